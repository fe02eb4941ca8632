#!/usr/bin/env python3
"""Makes the bundled example of statistics input: one week (Monday
2026-03-30 to Sunday 2026-04-05) of a made-up Moodle site.

  access.log    Apache combined log with Moodle's user field
  logstore.csv  logstore_standard_log exported as CSV
  bbb-web.log   bbb-web analytics of BigBlueButton meetings

Every name, id and address is invented (addresses from the documentation
ranges). The output is the same on every run (fixed seed):

  python3 testdata/stats/generate.py testdata/stats
"""

import calendar
import csv
import hashlib
import io
import random
import sys
from pathlib import Path

WEEK = calendar.timegm((2026, 3, 30, 0, 0, 0))  # Monday, UTC
OFFSET = 2 * 3600  # the site's clock: CEST, +0200
COURSES = {2: 12, 3: 9, 5: 7, 7: 5, 11: 4, 13: 3, 42: 0.15}  # id: weight
MODULES = ["forum", "quiz", "assign", "resource", "page", "url"]
AGENTS = [
    ("Mozilla/5.0 (X11; Linux x86_64; rv:136.0) Gecko/20100101 Firefox/136.0", 5),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/134.0.0.0 Safari/537.36", 9),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15", 3),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1", 3),
    ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/134.0.0.0 Mobile Safari/537.36", 3),
    ("MoodleMobile 4.4.0 (45000)", 2),
]
# Hour of day (UTC) weights: daytime and evening.
HOURS = [0.2, 0.1, 0.05, 0.05, 0.05, 0.2, 1, 3, 6, 7, 7, 6, 5, 6, 7, 6, 5, 4, 4, 5, 4, 3, 1.5, 0.6]
DAYS = [7, 8, 7, 6, 4, 1.5, 2.5]  # Monday first


def pick(rng, weighted):
    items = list(weighted)
    return rng.choices([i for i, _ in items], [w for _, w in items])[0]


def when(rng):
    day = pick(rng, enumerate(DAYS))
    hour = pick(rng, enumerate(HOURS))
    return WEEK + day * 86400 + hour * 3600 + rng.randrange(3600)


def access(rng, n=1500):
    users = [f"s{1000 + i}" for i in range(60)]
    home = {u: rng.sample(sorted(COURSES), 3) for u in users}
    agent = {u: pick(rng, AGENTS) for u in users}
    addr = {u: f"{rng.choice(['192.0.2', '198.51.100', '203.0.113'])}.{rng.randrange(1, 255)}" for u in users}
    lines = []
    for _ in range(n):
        t = when(rng)
        u = rng.choice(users)
        course = pick(rng, ((c, COURSES[c] + (20 if c in home[u] else 0)) for c in COURSES))
        if course == 42 and rng.random() < 0.9:
            course = home[u][0]
        if course == 42:
            u = rng.choice(users[:2])
        r = rng.random()
        status, size = 200, rng.randrange(2000, 90000)
        if r < 0.35:
            path = f"/course/view.php?id={course}"
        elif r < 0.75:
            path = f"/mod/{rng.choice(MODULES)}/view.php?id={100 + course * 10 + rng.randrange(5)}"
        elif r < 0.85:
            path = f"/lib/ajax/service.php?sesskey={rng.randbytes(5).hex()}&info=core_course_get_enrolled_courses_by_timeline_classification"
        elif r < 0.9:
            path, u, status, size = "/login/index.php", "-", 303, 0
        elif r < 0.96:
            path = "/my/"
        elif r < 0.99:
            path, status, size = f"/pluginfile.php/{rng.randrange(1000, 2000)}/missing.pdf", 404, 312
        else:
            path, status, size = "/grade/report/index.php", 500, 540
        method = "POST" if "service.php" in path else "GET"
        stamp = format_clf(t)
        lines.append((t, f'{addr.get(u, "192.0.2.1")} - {u} [{stamp}] "{method} {path} HTTP/1.1" {status} {size} "-" "{agent.get(u, AGENTS[1][0])}"\n'))
    lines.sort(key=lambda x: x[0])
    return "".join(l for _, l in lines)


def format_clf(t):
    y, mo, d, h, mi, s, *_ = __import__("time").gmtime(t + OFFSET)
    month = calendar.month_abbr[mo]
    return f"{d:02}/{month}/{y}:{h:02}:{mi:02}:{s:02} +0200"


EVENTS = [
    # eventname, component, action, target, crud, edulevel, weight, per course
    ("\\core\\event\\course_viewed", "core", "viewed", "course", "r", 2, 10, True),
    ("\\mod_forum\\event\\discussion_viewed", "mod_forum", "viewed", "discussion", "r", 2, 5, True),
    ("\\mod_forum\\event\\post_created", "mod_forum", "created", "post", "c", 2, 1.5, True),
    ("\\mod_quiz\\event\\attempt_submitted", "mod_quiz", "submitted", "attempt", "u", 2, 2, True),
    ("\\mod_assign\\event\\submission_created", "mod_assign", "created", "submission", "c", 2, 1.5, True),
    ("\\mod_resource\\event\\course_module_viewed", "mod_resource", "viewed", "course_module", "r", 2, 6, True),
    ("\\core\\event\\user_loggedin", "core", "loggedin", "user", "r", 0, 3, False),
]


def logstore(rng, n=1400):
    users = list(range(2001, 2061))
    home = {u: rng.sample([c for c in COURSES if c != 42], 3) for u in users}
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["id", "eventname", "component", "action", "target", "objecttable", "objectid", "crud",
                "edulevel", "contextid", "contextlevel", "contextinstanceid", "userid", "courseid",
                "relateduserid", "anonymous", "other", "timecreated", "origin", "ip", "realuserid"])
    rows = []
    for _ in range(n):
        e = pick(rng, ((e, e[6]) for e in EVENTS))
        u = rng.choice(users)
        course = rng.choice(home[u]) if e[7] else 0
        rows.append((when(rng), e, u, course))
    # Teachers editing: a few users, few events.
    for _ in range(20):
        rows.append((when(rng), ("\\core\\event\\course_module_updated", "core", "updated", "course_module", "u", 1, 0, True), rng.choice([2901, 2902, 2903, 2904, 2905, 2906]), rng.choice([2, 3, 5])))
    rows.sort(key=lambda r: r[0])
    for i, (t, e, u, course) in enumerate(rows, 1):
        origin = "ws" if rng.random() < 0.12 else "web"
        w.writerow([i, e[0], e[1], e[2], e[3], "", "", e[4], e[5], 100 + course, 50 if course else 10,
                    course, u, course, "", 0, "null", t, origin,
                    f"198.51.100.{rng.randrange(1, 255)}", ""])
    return out.getvalue()


def bbb(rng):
    meetings = []
    for m in range(12):
        course = rng.choice([2, 2, 3, 5, 7])
        start = WEEK + (m % 5) * 86400 + rng.choice([8, 10, 14, 16]) * 3600
        size = rng.choice([1, 3, 4, 6, 8, 12, 15, 22])
        length = rng.choice([10, 30, 50, 75, 95]) * 60
        meetings.append((start, course, m, size, length))
    events = []
    for start, course, m, size, length in meetings:
        ext = f"{hashlib.sha1(f'meeting{m}'.encode()).hexdigest()}-{course}-{200 + m}"
        mid = f"{hashlib.sha1(ext.encode()).hexdigest()}-{(start - 60) * 1000}"
        events.append((start, meeting_line(start, "meeting_started", mid, ext)))
        people = rng.sample(range(3001, 3081), size)
        for p in people:
            j = start + rng.randrange(0, 300)
            l = min(start + length, j + rng.randrange(length // 2, length + 1))
            events.append((j, user_line(j, "user_joined_message", mid, ext, p)))
            events.append((l, user_line(l, "user_left_message", mid, ext, p)))
        events.append((start + length + 30, meeting_line(start + length + 30, "meeting_ended", mid, ext)))
    events.sort(key=lambda e: e[0])
    return "".join(l for _, l in events)


def stamp_iso(t):
    y, mo, d, h, mi, s, *_ = __import__("time").gmtime(t + OFFSET)
    return f"{y}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.000+02:00"


def meeting_line(t, code, mid, ext):
    desc = "Meeting has started." if code == "meeting_started" else "Meeting has ended."
    return (f'{stamp_iso(t)} INFO  o.bigbluebutton.api.MeetingService -  --analytics-- data={{"duration":0,'
            f'"record":false,"logCode":"{code}","name":"Lecture","description":"{desc}","meetingId":"{mid}",'
            f'"externalMeetingId":"{ext}","isBreakout":false}}\n')


def user_line(t, code, mid, ext, p):
    desc = "User joined the meeting." if code == "user_joined_message" else "User left the meeting."
    return (f'{stamp_iso(t)} INFO  o.bigbluebutton.api.MeetingService -  --analytics-- data={{"role":"VIEWER",'
            f'"clientType":"HTML5","externalUserId":"{p}","logCode":"{code}","name":"Lecture",'
            f'"description":"{desc}","meetingId":"{mid}","externalMeetingId":"{ext}","guest":false,'
            f'"userId":"w_{p:x}","username":"Participant {p}"}}\n')


def main():
    out = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(20260330)
    (out / "access.log").write_text(access(rng))
    (out / "logstore.csv").write_text(logstore(rng))
    (out / "bbb-web.log").write_text(bbb(rng))


if __name__ == "__main__":
    main()
