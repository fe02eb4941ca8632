//! Synthetic Moodle access logs for benchmarks and fuzz seeds.
//!
//! Owns one thing: a seeded, deterministic generator of lines in Apache's
//! `%h %l %{MOODLEUSER}n %t "%r" %s %b "%{Referer}i" "%{User-Agent}i"`
//! layout, as a Moodle site that logs the user id writes them. Shared by the
//! criterion benches (`benches/throughput.rs`) and the `genlog` example that
//! `benches/compare.sh` and `fuzz/seed.sh` run.
//!
//! The traffic mimics a busy site: a population of users with skewed
//! activity, each with a stable address (about one in eight IPv6), browser
//! and session key; a share of anonymous visitors and crawlers; Moodle's
//! usual URLs (course and activity pages, AJAX service calls with `sesskey`,
//! `pluginfile.php` downloads, theme assets, mobile web-service calls with
//! `wstoken`, login and profile pages); user fields that are `-`, numeric ids
//! and now and then an administrator's "Jane Doe as 57". The same seed always
//! gives the same bytes; no dependency is needed (the PRNG is splitmix64).

use std::io::Write;

/// The site's host name, used in referers.
const SITE: &str = "https://moodle.example.edu";

/// Distinct logged-in users.
const POPULATION: u64 = 20_000;

/// Theme revision in asset URLs.
const THEME_REV: u64 = 1_709_500_000;

const BROWSERS: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 Edg/122.0.2365.66",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:123.0) Gecko/20100101 Firefox/123.0",
    "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:122.0) Gecko/20100101 Firefox/122.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3.1 Safari/605.1.15",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (iPad; CPU OS 16_7_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; SM-A536B Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/121.0.6167.178 Mobile Safari/537.36 MoodleMobile 4.3.0 (43000)",
    "MoodleMobile 4.3.0 (43000)",
];

const CRAWLERS: &[&str] = &[
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.6261.94 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "curl/7.88.1",
    "python-requests/2.31.0",
];

const FIRST: &[&str] = &[
    "Jane", "John", "Anna", "Lukas", "Maria", "Mehmet", "Sofia", "Jonas", "Emma", "Noah", "Léa",
    "Jürgen", "Aisha", "Wei", "Olga",
];

const LAST: &[&str] = &[
    "Doe", "Smith", "Müller", "Schmidt", "Yilmaz", "Rossi", "Nowak", "Garcia", "Kim", "Dubois",
    "Jansen", "Novák",
];

const AJAX: &[&str] = &[
    "core_fetch_notifications",
    "core_session_time_remaining",
    "core_session_touch",
    "core_course_get_enrolled_courses_by_timeline_classification",
    "core_message_get_unread_conversation_counts",
    "core_calendar_get_action_events_by_timesort",
    "core_output_load_template_with_dependencies",
    "core_course_get_recent_courses",
    "core_user_update_user_preferences",
];

const WSFUNCTIONS: &[&str] = &[
    "core_webservice_get_site_info",
    "core_enrol_get_users_courses",
    "core_course_get_contents",
    "mod_assign_get_submission_status",
    "core_message_get_conversations",
    "tool_mobile_get_config",
];

const FILES: &[&str] = &[
    "Lecture%2003%20-%20Introduction.pdf",
    "Exercise_sheet_5.pdf",
    "Syllabus_2024.docx",
    "slides-week-7.pptx",
    "Lab%20data.xlsx",
    "reading_list.pdf",
];

const ICONS: &[&str] = &[
    "i/navigationitem",
    "i/loading_small",
    "monologo",
    "i/course",
    "f/pdf-24",
    "i/completion-auto-n",
];

const JS: &[&str] = &[
    "lib/requirejs/jquery-private.js",
    "lib/babel-polyfill/polyfill.min.js",
    "lib/polyfills/polyfill.js",
    "lib/javascript-static.js",
];

const PROBES: &[&str] = &[
    "/wp-login.php",
    "/.env",
    "/xmlrpc.php",
    "/admin/config.php",
    "/robots.txt",
    "/favicon.ico",
];

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

#[path = "rng.rs"]
mod rng;
use rng::{mix, write_ipv4, Rng};

/// Who sends a request.
struct Visitor {
    /// Stable per-visitor hash: address, browser, session key.
    h: u64,
    /// The Moodle user id; `None` for anonymous visitors and crawlers.
    id: Option<u64>,
    crawler: bool,
}

/// The line generator. Each [`Generator::line`] call appends one line.
pub struct Generator {
    rng: Rng,
    seed: u64,
    /// Local time of the next line, in seconds since 1970.
    now: i64,
}

impl Generator {
    /// A generator whose output is determined by `seed`.
    pub fn new(seed: u64) -> Generator {
        Generator {
            rng: Rng(mix(seed)),
            seed,
            // Monday 4 March 2024, 07:58:00 local time.
            now: 1_709_539_080,
        }
    }

    fn visitor(&mut self) -> Visitor {
        if self.rng.chance(12) {
            let crawler = self.rng.chance(40);
            return Visitor {
                h: self.rng.next(),
                id: None,
                crawler,
            };
        }
        // The product of two uniforms: a few users make most requests.
        let k = self.rng.below(POPULATION) * self.rng.below(POPULATION) / POPULATION;
        let h = mix(self.seed ^ mix(k));
        Visitor {
            h,
            id: Some(2 + h % 48_000),
            crawler: false,
        }
    }

    /// Appends one line (without a line terminator) to `out`.
    pub fn line(&mut self, out: &mut Vec<u8>) {
        if self.rng.chance(30) {
            self.now += 1 + self.rng.below(2) as i64;
        }
        let v = self.visitor();
        self.client(&v, out);
        out.extend_from_slice(b" - ");
        self.user(&v, out);
        out.push(b' ');
        self.time(out);
        out.extend_from_slice(b" \"");
        let (status, size, referer) = self.request(&v, out);
        let proto = if v.h.is_multiple_of(3) {
            "HTTP/1.1"
        } else {
            "HTTP/2.0"
        };
        let _ = write!(out, " {proto}\" {status} {size} \"");
        out.extend_from_slice(referer.as_bytes());
        out.extend_from_slice(b"\" \"");
        let ua = if v.crawler {
            CRAWLERS[(v.h % CRAWLERS.len() as u64) as usize]
        } else {
            BROWSERS[(v.h % BROWSERS.len() as u64) as usize]
        };
        out.extend_from_slice(ua.as_bytes());
        out.push(b'"');
    }

    fn client(&mut self, v: &Visitor, out: &mut Vec<u8>) {
        let a = mix(v.h);
        if a.is_multiple_of(8) {
            let g = |i: u32| (a >> (16 * i)) & 0xffff;
            let _ = write!(
                out,
                "2a02:{:x}:{:x}:{:x}:{:x}:{:x}:{:x}:{:x}",
                0x8100 + (a >> 56),
                g(0),
                g(1) & 0xff,
                g(2),
                g(3),
                g(1) >> 4,
                g(0) ^ g(3)
            );
        } else {
            write_ipv4(a, out);
        }
    }

    fn user(&mut self, v: &Visitor, out: &mut Vec<u8>) {
        let Some(id) = v.id else {
            out.push(b'-');
            return;
        };
        if self.rng.chance(8) {
            // Session not established yet (login page, expired session).
            out.push(b'-');
        } else if v.h.is_multiple_of(97) && self.rng.chance(60) {
            // An administrator logged in as this user.
            let first = FIRST[((v.h >> 20) % FIRST.len() as u64) as usize];
            let last = LAST[((v.h >> 28) % LAST.len() as u64) as usize];
            let _ = write!(out, "{first} {last} as {id}");
        } else {
            let _ = write!(out, "{id}");
        }
    }

    fn time(&self, out: &mut Vec<u8>) {
        let days = self.now.div_euclid(86_400);
        let secs = self.now.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let _ = write!(
            out,
            "[{:02}/{}/{}:{:02}:{:02}:{:02} +0100]",
            d,
            MONTHS[(m - 1) as usize],
            y,
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        );
    }

    fn sesskey(&self, v: &Visitor, out: &mut Vec<u8>) {
        // One session key per visitor and four-hour window.
        let mut h = mix(v.h ^ (self.now as u64 / 14_400));
        for _ in 0..10 {
            out.push(ALNUM[(h % ALNUM.len() as u64) as usize]);
            h /= ALNUM.len() as u64;
        }
    }

    /// Writes `METHOD target` and returns status, size and referer.
    fn request(&mut self, v: &Visitor, out: &mut Vec<u8>) -> (u16, u64, String) {
        let r = &mut self.rng;
        let course = 2 + (v.h >> 8) % 900;
        let cmid = 1000 + course * 17 + r.below(40);
        let course_ref = format!("{SITE}/course/view.php?id={course}");
        if v.crawler || (v.id.is_none() && r.chance(35)) {
            return if r.chance(50) {
                out.extend_from_slice(b"GET /login/index.php");
                (200, 11_000 + r.below(3_000), "-".into())
            } else if r.chance(40) {
                let _ = write!(out, "GET /course/view.php?id={course}");
                (303, 0, "-".into())
            } else {
                let _ = write!(out, "GET {}", r.pick(PROBES));
                (404, 300 + r.below(200), "-".into())
            };
        }
        let roll = r.below(100);
        match roll {
            0..=21 => {
                let info = r.pick(AJAX);
                out.extend_from_slice(b"POST /lib/ajax/service.php?sesskey=");
                self.sesskey(v, out);
                let _ = write!(out, "&info={info}");
                (200, 60 + self.rng.below(4_000), course_ref)
            }
            22..=33 => {
                let _ = write!(out, "GET /course/view.php?id={course}");
                if r.chance(20) {
                    let _ = write!(out, "&section={}", r.below(14));
                }
                (200, 40_000 + r.below(80_000), format!("{SITE}/my/"))
            }
            34..=42 => {
                let _ = write!(out, "GET /mod/assign/view.php?id={cmid}");
                if r.chance(25) {
                    out.extend_from_slice(b"&action=editsubmission");
                }
                (200, 30_000 + r.below(30_000), course_ref)
            }
            43..=48 => {
                let attempt = 50_000 + (v.h >> 16) % 90_000;
                let _ = write!(
                    out,
                    "GET /mod/quiz/attempt.php?attempt={attempt}&cmid={cmid}&page={}",
                    r.below(10)
                );
                let referer = format!("{SITE}/mod/quiz/view.php?id={cmid}");
                (200, 35_000 + r.below(20_000), referer)
            }
            49..=51 => {
                let _ = write!(out, "GET /mod/forum/discuss.php?d={}", 300 + r.below(5_000));
                let referer = format!("{SITE}/mod/forum/view.php?id={cmid}");
                (200, 25_000 + r.below(40_000), referer)
            }
            52..=61 => {
                let ctx = 4_000 + cmid * 3;
                if r.chance(70) {
                    let file = r.pick(FILES);
                    let _ = write!(
                        out,
                        "GET /pluginfile.php/{ctx}/mod_resource/content/{}/{file}",
                        1 + r.below(3)
                    );
                    (200, 80_000 + r.below(4_000_000), course_ref)
                } else {
                    let _ = write!(
                        out,
                        "GET /pluginfile.php/{}/user/icon/boost/f2?rev={}",
                        10_000 + (v.h >> 12) % 90_000,
                        r.below(1_000_000)
                    );
                    (200, 1_500 + r.below(6_000), course_ref)
                }
            }
            62..=71 => {
                let status = if r.chance(60) { 304 } else { 200 };
                match r.below(3) {
                    0 => {
                        let icon = r.pick(ICONS);
                        let _ = write!(out, "GET /theme/image.php/boost/core/{THEME_REV}/{icon}");
                    }
                    1 => {
                        let js = r.pick(JS);
                        let _ = write!(out, "GET /lib/javascript.php/{THEME_REV}/{js}");
                    }
                    _ => {
                        let _ = write!(out, "GET /theme/styles.php/boost/{THEME_REV}_1/all");
                    }
                }
                let size = if status == 304 {
                    0
                } else {
                    2_000 + r.below(400_000)
                };
                (status, size, course_ref)
            }
            72..=76 => {
                let other = 2 + r.below(48_000);
                let _ = write!(out, "GET /user/profile.php?id={other}");
                let referer = format!("{SITE}/user/index.php?id={course}");
                (200, 20_000 + r.below(10_000), referer)
            }
            77..=79 => {
                if r.chance(50) {
                    out.extend_from_slice(b"GET /login/index.php");
                    (200, 11_000 + r.below(3_000), "-".into())
                } else {
                    out.extend_from_slice(b"POST /login/index.php");
                    (303, 0, format!("{SITE}/login/index.php"))
                }
            }
            80..=83 => {
                let page = if r.chance(50) {
                    "/my/"
                } else {
                    "/my/courses.php"
                };
                let _ = write!(out, "GET {page}");
                (
                    200,
                    45_000 + r.below(20_000),
                    format!("{SITE}/login/index.php"),
                )
            }
            84..=86 => {
                let _ = write!(out, "GET /message/index.php?id={}", 2 + r.below(48_000));
                (200, 28_000 + r.below(8_000), format!("{SITE}/my/"))
            }
            87..=88 => {
                let _ = write!(out, "GET /grade/report/user/index.php?id={course}");
                (200, 33_000 + r.below(20_000), course_ref)
            }
            89..=90 => {
                let _ = write!(out, "GET /user/index.php?id={course}");
                (200, 50_000 + r.below(50_000), course_ref)
            }
            91..=95 => {
                let f = r.pick(WSFUNCTIONS);
                let t1 = mix(v.h ^ 0x5157);
                let t2 = mix(t1);
                let _ = write!(
                    out,
                    "POST /webservice/rest/server.php?wstoken={t1:016x}{t2:016x}&wsfunction={f}&moodlewsrestformat=json"
                );
                (200, 500 + r.below(30_000), "-".into())
            }
            96 => {
                out.extend_from_slice(b"GET /login/logout.php?sesskey=");
                self.sesskey(v, out);
                (303, 0, format!("{SITE}/my/"))
            }
            _ => {
                let referer = if r.chance(50) {
                    "https://www.google.com/".to_string()
                } else {
                    "-".to_string()
                };
                let _ = write!(out, "GET /mod/resource/view.php?id={cmid}&redirect=1");
                (303, 0, referer)
            }
        }
    }
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian
/// calendar (H. Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Syllables of generated family names: with [`LAST`] and a number they make
/// a hundred thousand distinct people.
const SYLLABLES: &[&str] = &[
    "ber", "wal", "ken", "dor", "mi", "sa", "lin", "rok", "tha", "ves", "gru", "pel", "zan", "ot",
    "hau", "rie",
];

/// Writes a roster of `n` people (a CSV export of Moodle's `user` table)
/// to `out`: user ids 2, 3, … (the ids the access lines carry), and for
/// each a username, first and last name, e-mail address and student number
/// that are the same for the same `seed`.
#[allow(dead_code)]
pub fn roster(n: u64, seed: u64, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(
        out,
        "id,username,firstname,lastname,email,idnumber,alternatename,middlename"
    )?;
    for i in 0..n {
        let h = mix(seed ^ mix(i + 2));
        let first = FIRST[(h % FIRST.len() as u64) as usize];
        let s1 = SYLLABLES[((h >> 8) % SYLLABLES.len() as u64) as usize];
        let s2 = SYLLABLES[((h >> 16) % SYLLABLES.len() as u64) as usize];
        let base = LAST[((h >> 24) % LAST.len() as u64) as usize];
        let last = format!("{base}{s1}{s2}");
        let user = format!("{}{}{}", first.to_lowercase(), s1, i);
        writeln!(
            out,
            "{},{user},{first},{last},{user}@uni-example.de,{},,",
            i + 2,
            20_000_000 + i
        )?;
    }
    Ok(())
}
