#!/usr/bin/env python3
"""Build tests/corpus/modern/{ham,spam,obvious-spam}/*.eml, labels.csv and the split lists
from the hand-written specs in this folder.

    python3 tests/corpus/modern/gen/build.py

A spec (see M() calls in ham_*.py / spam_*.py) has:
  cls        "ham" | "spam"
  cat        category (transactional, security, personal, work, newsletter, list, service,
             social; phishing, advance-fee, crypto-scam, ...)
  lang       en, es, fr, de, pt, ja, zh, ko
  name       short file-name part
  prof       envelope profile (personal, outlook, ses, sendgrid, mailchimp, ... see PROFILES)
  frm        (display name, address)
  to         recipient address (default picked per language)
  subj       subject
  date       "YYYY-MM-DD HH:MM" (default: seeded random in 2024-2026), tz "+0100"
  text/html  bodies (either or both); charset; cte (7bit/8bit/qp/b64)
  attach     [(filename, mime type, bytes)]; cal: ics text -> text/calendar part
  reply      (message-id of parent,) adds In-Reply-To/References
  hdrs       extra headers [(name, value)]
  bulk       add List-Unsubscribe(+Post) (default by profile)
  obvious    spam that any untrained filter must catch -> also copied to obvious-spam/
"""

import csv
import re
import email
import email.policy
import importlib
import os
import shutil
import sys
from datetime import datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import lib  # noqa: E402
from lib import addr, alnum, b64blob, enc_words, fold, hexid, ip4, ip6  # noqa: E402

# module -> first file number, so adding messages to one module never renumbers another
MODULES = {"ham_en": 1, "ham_es": 101, "ham_other": 181, "ham_more": 221, "ham_struct": 281,
           "spam_en": 1, "spam_es": 101, "spam_more": 151,
           # corpora2: wider modern mail, appended after the first set so its split stays put
           "ham_people": 301, "ham_civic": 341, "ham_commerce": 381, "ham_world": 421, "ham_tricky": 461,
           "spam_wide": 201}

TO_POOL = {
    "en": ["alex.morgan@example.com", "sam@example.org", "priya.n@example.net", "jdoe@example.com",
           "tom.becker@example.org", "hannah@mailbox.example"],
    "es": ["lucia.martin@example.es", "jgarcia@example.com", "marta.r@correo.example",
           "diego.fernandez@example.org", "carmen.lopez@example.net", "pablo@example.es"],
    "fr": ["claire.dubois@example.fr", "m.lefevre@example.org"],
    "de": ["jonas.weber@example.de", "anna.k@example.org"],
    "pt": ["beatriz.souza@example.com.br", "rui.santos@example.pt"],
    "ja": ["tanaka.yuki@example.jp"],
    "zh": ["li.wei@example.cn"],
    "ko": ["kim.minji@example.kr"],
    "ru": ["sam@example.org"],
    "it": ["giulia.rossi@example.it", "marco.b@example.org"],
    "ca": ["jordi.puig@example.cat"], "gl": ["uxia.otero@example.gal"], "eu": ["ane.etxeberria@example.eus"],
}
NAMES = {
    "alex.morgan@example.com": "Alex Morgan", "sam@example.org": "Sam Rivera", "priya.n@example.net": "Priya N",
    "jdoe@example.com": "Jordan Doe", "tom.becker@example.org": "Tom Becker", "hannah@mailbox.example": "Hannah Price",
    "lucia.martin@example.es": "Lucía Martín", "jgarcia@example.com": "Javier García", "marta.r@correo.example": "Marta Ruiz",
    "diego.fernandez@example.org": "Diego Fernández", "carmen.lopez@example.net": "Carmen López", "pablo@example.es": "Pablo",
    "claire.dubois@example.fr": "Claire Dubois", "m.lefevre@example.org": "Marc Lefèvre", "jonas.weber@example.de": "Jonas Weber",
    "anna.k@example.org": "Anna Krüger", "beatriz.souza@example.com.br": "Beatriz Souza", "rui.santos@example.pt": "Rui Santos",
    "tanaka.yuki@example.jp": "田中 由紀", "li.wei@example.cn": "李伟", "kim.minji@example.kr": "김민지",
}
TZ_POOL = {
    "en": ["-0500", "-0400", "-0700", "-0800", "+0000", "+0100", "+1000", "+0530"],
    "es": ["+0100", "+0200", "-0600", "-0500", "-0300", "+0000", "-0400"],
    "fr": ["+0100", "+0200"], "de": ["+0100", "+0200", "+0000"], "pt": ["-0300", "+0000", "+0100"],
    "ja": ["+0900"], "zh": ["+0800"], "ko": ["+0900"], "ru": ["+0300"],
    "it": ["+0100", "+0200"], "ca": ["+0100", "+0200"], "gl": ["+0100", "+0200"], "eu": ["+0100", "+0200"],
}
MX = {
    "example.com": ["mx1.example.com", "mx2.example.com"],
    "example.org": ["mx.example.org"],
    "example.net": ["smtp-in.example.net", "mx-a.example.net"],
    "example.es": ["mail.example.es"],
}


def rcpt_mx(to):
    dom = to.split("@")[1]
    return MX.get(dom, [f"mx.{dom}", f"in1.{dom}"])


def tz(offset):
    sign = 1 if offset[0] == "+" else -1
    return timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5])))


def msg_date(spec, r):
    off = spec.get("tz") or r.choice(TZ_POOL.get(spec["lang"], ["+0000"]))
    if spec.get("date"):
        d = datetime.strptime(spec["date"], "%Y-%m-%d %H:%M")
    else:
        import re
        body = (spec.get("text") or "") + (spec.get("html") or "") + spec["subj"]
        years = sorted(set(re.findall(r"\b(202[4-6])\b", body)))
        if years:  # keep the Date in the year the message talks about
            base = datetime(int(years[0]), 1, 3)
            d = base + timedelta(days=r.randint(0, 330), minutes=r.randint(6 * 60, 23 * 60))
        else:
            base = datetime(2024, 1, 3)
            d = base + timedelta(days=r.randint(0, 1060), minutes=r.randint(6 * 60, 23 * 60))
    d = d.replace(second=r.randint(0, 59), tzinfo=tz(off))
    return d


def rfc_date(d, r, style=None):
    s = lib.format_datetime(d)
    if style == "paren":
        s += " (UTC)" if d.utcoffset() == timedelta(0) else ""
    return s


# ---------------------------------------------------------------- envelope profiles
UAS = [
    ("User-Agent", "Mozilla Thunderbird 128.3.1"),
    ("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Thunderbird/115.12.2"),
    ("X-Mailer", "iPhone Mail (21F90)"),
    ("X-Mailer", "Apple Mail (2.3774.600.62)"),
    ("User-Agent", "K-9 Mail for Android"),
    ("User-Agent", "Roundcube Webmail/1.6.6"),
    ("User-Agent", "Evolution 3.52.2"),
    ("User-Agent", "Mutt/2.2.12 (2023-09-09)"),
    ("User-Agent", "Microsoft-MacOutlook/16.89.24091630"),
    (None, None),  # webmail that adds nothing
    (None, None),
    ("X-Mailer", "Outlook for iOS and Android"),
    ("User-Agent", "Proton Mail"),
    ("User-Agent", "aerc 0.18.2"),
]
WEBMAIL = {  # sender domain -> provider outbound host pattern
    "example.com": "smtp-out{n}.mail.example.com",
    "example.org": "mail-{a}.example.org",
    "example.net": "out{n}.relay.example.net",
    "mailbox.example": "mout-{a}.mailbox.example",
    "correo.example": "smtp{n}.correo.example",
    "posteo.example": "mout{n}.posteo.example",
}


def boundary(style, r):
    if style == "gmail":
        return "000000000000" + hexid(r, 16)
    if style == "apple":
        return "Apple-Mail=_" + "-".join([alnum(r, 8, "0123456789ABCDEF"), alnum(r, 4, "0123456789ABCDEF"),
                                         alnum(r, 4, "0123456789ABCDEF"), alnum(r, 12, "0123456789ABCDEF")])
    if style == "java":
        return f"----=_Part_{r.randint(100000, 9999999)}_{r.randint(10**8, 10**9)}.{r.randint(10**12, 10**13)}"
    if style == "php":
        return "b1_" + alnum(r, 43)
    if style == "ruby":
        return "--==_mimepart_" + hexid(r, 13) + "_" + str(r.randint(1000, 99999))
    if style == "python":
        return "===============%019d==" % r.randint(10**17, 10**19 - 1)
    if style == "exchange":
        return "_000_" + alnum(r, 28, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") + "_"
    if style == "thunderbird":
        return "------------" + alnum(r, 24)
    if style == "go":
        return hexid(r, 60)
    if style == "spam":
        return "----=_NextPart_000_" + "%04X_%08X.%08X" % (r.randint(0, 65535), r.getrandbits(32), r.getrandbits(32))
    return "=_" + alnum(r, 30)


def fold_b64(b):
    b = "b=" + b
    return "\n\t " + "\n\t ".join(b[i:i + 70] for i in range(0, len(b), 70))


def dkim(r, d, s, h, bits=256, a="rsa-sha256", c="relaxed/relaxed", t=None):
    hs = h.split(":")
    if r.random() < 0.4:
        hs = [x.lower() for x in hs]
    if r.random() < 0.3:
        head, rest = hs[:1], hs[1:]
        r.shuffle(rest)
        hs = head + rest
    h = ":".join(hs)
    v = f"v=1; a={a}; c={c}; d={d}; s={s};"
    if t:
        v += f" t={t};"
    v += f" h={h}; bh={b64blob(r, 32)};"
    b = "b=" + b64blob(r, bits)
    out = fold("DKIM-Signature", v)
    chunks = [b[i:i + 70] for i in range(0, len(b), 70)]
    return out + "\n\t " + "\n\t ".join(chunks)


def auth_results(mx, spf, dkim_d, dkim_res, dmarc, from_dom, mailfrom_dom, ip, arc=None):
    parts = [f"{mx};"]
    if dkim_d:
        parts.append(f"dkim={dkim_res} header.d={dkim_d} header.s=s1 header.b={alnum(__import__('random').Random(dkim_d), 8)};")
    else:
        parts.append("dkim=none;")
    parts.append(f"spf={spf} (domain of {mailfrom_dom} designates {ip} as permitted sender) smtp.mailfrom={mailfrom_dom};"
                 if spf == "pass" else f"spf={spf} smtp.mailfrom={mailfrom_dom};")
    parts.append(f"dmarc={dmarc} header.from={from_dom}" + (";" if arc else ""))
    if arc:
        parts.append(f"arc={arc}")
    return "Authentication-Results: " + "\n\t".join(parts)


ESP = {
    # name: (outbound host pattern, bounce domain, boundary style, mailer headers fn)
    "ses": ("a{n}-{m}.smtp-out.eu-west-1.sesmail.example", "eu-west-1.sesmail.example", "java"),
    "ses-us": ("a{n}-{m}.smtp-out.us-east-2.sesmail.example", "us-east-2.sesmail.example", "java"),
    "sendgrid": ("o{n}.ptr{m}.sgsend.example", "em{m}.{dom}", "go"),
    "mailchimp": ("mail{n}.atl{m}.mcsv.example", "mail{n}.atl{m}.mcsv.example", "php"),
    "postmark": ("mta{n}.pmsend.example", "pm-bounces.{dom}", "ruby"),
    "mailgun": ("m{n}-{m}.mgsend.example", "mg.{dom}", "python"),
    "sfmc": ("mta{n}.s{m}.exacttarget.example", "bounce.s{m}.exacttarget.example", "java"),
    "brevo": ("m{n}.mail{m}.brevosend.example", "bounces.brevosend.example", "php"),
    "klaviyo": ("send{n}.klmail.example", "send.klmail.example", "python"),
    "sparkpost": ("mta{n}a.sparkpost-mta.example", "bounces.{dom}", "java"),
    "inhouse": ("mail{n}.{dom}", "{dom}", "python"),
    "ms365": ("mail-{a}.outbound.protection.cloudmail.example", "{dom}", "exchange"),
    "github": ("out-{n}.smtp.github-mail.example", "github-mail.example", "ruby"),
    "gitlab": ("mail-{n}.gitlab-mail.example", "gitlab-mail.example", "ruby"),
    "atlassian": ("mx{n}.am{m}.atl-mail.example", "bounce.atl-mail.example", "java"),
    "mailman": ("lists.{dom}", "lists.{dom}", "python"),
    "ggroups": ("mail-{a}.googlegroups.example", "googlegroups.example", "gmail"),
    "discourse": ("mail{n}.discourse-mail.example", "{dom}", "ruby"),
}


def esp_headers(prof, spec, r, dom):
    """Mailer-specific extra headers, like the real services add."""
    h = []
    if prof.startswith("ses"):
        h.append(("Feedback-ID", f"::1.eu-west-1.{alnum(r, 43)}=:AmazonSES"))
        h.append(("X-SES-Outgoing", f"2025.{r.randint(1, 12):02d}.{r.randint(1, 28):02d}-{ip4(r)}"))
    elif prof == "sendgrid":
        h.append(("X-SG-EID", fold("X-SG-EID", b64blob(r, 90))[10:]))
        h.append(("X-Entity-ID", "u001." + alnum(r, 22)))
    elif prof == "mailchimp":
        h.append(("X-MC-User", hexid(r, 25)))
        h.append(("X-Feedback-ID", f"{r.randint(10**7, 10**8)}:{r.randint(10**7, 10**8)}.{r.randint(100000, 999999)}:us{r.randint(1, 21)}:mc"))
        h.append(("X-Campaign", "mailchimp" + hexid(r, 18) + "." + hexid(r, 10)))
        h.append(("X-Report-Abuse", "Please report abuse for this campaign here: https://mcsv.example/abuse/"))
    elif prof == "postmark":
        h.append(("X-PM-Message-Id", "-".join([hexid(r, 8), hexid(r, 4), hexid(r, 4), hexid(r, 4), hexid(r, 12)])))
        h.append(("X-PM-RCPT", "|" + b64blob(r, 30) + "|"))
        h.append(("X-PM-Message-Stream", spec.get("stream", "outbound")))
    elif prof == "mailgun":
        h.append(("X-Mailgun-Sid", b64blob(r, 48)))
        h.append(("X-Mailgun-Variables", '{"msg_type": "%s"}' % spec["cat"]))
    elif prof == "sfmc":
        h.append(("x-job", f"{r.randint(100000, 999999)}_{r.randint(1000000, 9999999)}"))
        h.append(("X-SFMC-Stack", str(r.randint(1, 50))))
    elif prof == "brevo":
        h.append(("X-Mailin-EID", b64blob(r, 24)))
        h.append(("X-sib-id", alnum(r, 40)))
        h.append(("Origin-messageId", f"<{hexid(r, 24)}@smtp-relay.brevosend.example>"))
    elif prof == "klaviyo":
        h.append(("X-Kmail-Account", alnum(r, 6)))
        h.append(("X-Kmail-Relay", "true"))
    elif prof == "sparkpost":
        h.append(("X-MSFBL", b64blob(r, 80)))
    elif prof == "ms365":
        h += [("Thread-Topic", spec["subj"]), ("Thread-Index", "A" + b64blob(r, 21)[:-1]),
              ("Accept-Language", "en-US, es-ES"), ("Content-Language", {"es": "es-ES", "de": "de-DE", "fr": "fr-FR"}.get(spec["lang"], "en-US")),
              ("X-MS-Has-Attach", "yes" if spec.get("attach") else ""), ("X-MS-TNEF-Correlator", ""),
              ("X-MS-Exchange-Organization-SCL", "1"),
              ("X-MS-Exchange-CrossTenant-id", "-".join([hexid(r, 8), hexid(r, 4), hexid(r, 4), hexid(r, 4), hexid(r, 12)])),
              ("X-MS-Exchange-Transport-CrossTenantHeadersStamped", f"AM{r.randint(0, 9)}PR0{r.randint(1, 9)}MB{r.randint(1000, 9999)}")]
    elif prof == "github":
        h += [("X-GitHub-Reason", spec.get("gh_reason", "subscribed")), ("X-GitHub-Sender", spec.get("gh_sender", "octo-dev")),
              ("X-GitHub-Recipient", "alexm"), ("X-GitHub-Notify-Platform", "newsies"),
              ("X-Auto-Response-Suppress", "All"), ("Precedence", "list")]
    elif prof == "gitlab":
        h += [("X-GitLab-Project", spec.get("gl_project", "platform")), ("X-GitLab-Project-Id", str(r.randint(1000, 99999))),
              ("X-GitLab-NotificationReason", spec.get("gl_reason", "")), ("X-Auto-Response-Suppress", "All"),
              ("Auto-Submitted", "auto-generated")]
    elif prof == "atlassian":
        h += [("X-JIRA-FingerPrint", hexid(r, 32)), ("Auto-Submitted", "auto-generated"), ("Precedence", "bulk"),
              ("X-Atlassian-Mail-Message-Id", f"{hexid(r, 8)}-{hexid(r, 4)}")]
    elif prof == "discourse":
        h += [("X-Discourse-Post-Id", str(r.randint(10000, 999999))), ("X-Discourse-Topic-Id", str(r.randint(1000, 99999))),
              ("X-Auto-Response-Suppress", "All"), ("Auto-Submitted", "auto-generated"), ("Precedence", "list")]
    return [(k, v) for k, v in h if v is not None]


def build_headers(spec, r, d):
    """Return (trace headers, content headers, boundary style)."""
    prof = spec["prof"]
    name, fromaddr = spec["frm"]
    fdom = fromaddr.split("@")[1]
    to = spec.get("rcpt", spec["to"])  # envelope recipient (a subscriber, for list mail)
    mx = r.choice(rcpt_mx(to))
    dom_rcpt = to.split("@")[1]
    trace, top = [], []
    charset = spec.get("charset", "utf-8")
    recv_time = d + timedelta(seconds=r.randint(2, 40))
    mid = None
    bstyle = "eq"
    extra = []
    spam = spec["cls"] == "spam"
    smtpid = alnum(r, 12, "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789")

    def recv(frm_host, helo, ip, by, proto, when, rid=None, for_=True):
        rid = rid or alnum(r, 10, "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789abcdef")
        ipv = f"[{ip}]" if ":" not in ip else f"[IPv6:{ip}]"
        s = f"Received: from {helo} ({frm_host} {ipv})\n\tby {by} with {proto} id {rid}"
        if for_:
            s += f"\n\tfor <{to}>"
        s += f"; {lib.format_datetime(when)}"
        return s

    if prof in ("personal", "personal-ipv6"):
        sdom = fdom
        pat = WEBMAIL.get(sdom, "smtp.{dom}").format(n=r.randint(1, 9), a=alnum(r, 6, "abcdefghijklmnopqrstuvwxyz0123456789"), dom=sdom)
        ip_out = ip6(r) if prof == "personal-ipv6" or r.random() < 0.3 else ip4(r)
        client_ip = ip6(r) if r.random() < 0.5 else ip4(r)
        when0 = d + timedelta(seconds=1)
        trace.append(recv(pat, pat, ip_out, mx, "ESMTPS", recv_time))
        helo_c = r.choice(["[192.168.1.34]", "[10.0.0.12]", "smtpclient.apple", "laptop.home", "[127.0.0.1]"])
        trace.append(recv("unknown", helo_c, client_ip, pat, "ESMTPSA", when0, for_=False))
        trace.insert(0, auth_results(mx, "pass", sdom, "pass", "pass", fdom, sdom, ip_out.split()[0]))
        trace.insert(1, dkim(r, sdom, r.choice(["20230601", "mail", "s2048", "dkim", "k1"]),
                         "from:to:subject:date:message-id:mime-version:content-type" + (":in-reply-to:references" if spec.get("reply") else "")))
        ua = spec.get("ua") or r.choice(UAS)
        if ua[0]:
            extra.append(ua)
        bstyle = {"iPhone Mail (21F90)": "apple", "Apple Mail (2.3774.600.62)": "apple"}.get(ua[1], None) or \
            ("thunderbird" if ua[1] and "Thunderbird" in ua[1] else r.choice(["gmail", "eq", "eq"]))
        mid = f"<{alnum(r, 20)}@{sdom}>" if bstyle != "gmail" else f"<CA{alnum(r, 40)}@mail.{sdom}>"
        if bstyle == "apple":
            mid = f"<{'-'.join([hexid(r, 8), hexid(r, 4), hexid(r, 4), hexid(r, 4), hexid(r, 12)]).upper()}@{sdom}>"
        if bstyle == "thunderbird":
            mid = f"<{'-'.join([hexid(r, 8), hexid(r, 4), hexid(r, 4), hexid(r, 4), hexid(r, 12)])}@{sdom}>"
    elif spam:
        kind = spec.get("sprof", prof)
        ip = ip4(r)
        if kind in ("botnet", "spam"):
            rdns = r.choice([f"dsl-{ip.replace('.', '-')}.dyn.broadband.example", "unknown", f"{ip.replace('.', '-')}.static.hostco.example",
                             f"host{r.randint(1, 250)}.pool{r.randint(1, 99)}.cable.example"])
            helo = r.choice([rdns, f"[{ip}]", alnum(r, 8, "abcdefghijklmnopqrstuvwxyz"), f"mail.{fdom}", "User"])
            trace.append(recv(rdns, helo, ip, mx, r.choice(["ESMTP", "SMTP", "ESMTPS"]), recv_time))
            if r.random() < 0.5:  # a forged earlier hop
                trace.append(recv(f"mail.{fdom}", f"mail.{fdom}", ip4(r), f"smtp.{fdom}", "SMTP",
                                  d - timedelta(hours=r.randint(1, 40)), for_=False))
            trace.insert(0, auth_results(mx, r.choice(["softfail", "fail", "none", "neutral"]), None, None,
                                         r.choice(["fail", "none"]), fdom, r.choice([fdom, rdns if "." in rdns else fdom]), ip))
            mailer = r.choice([("X-Mailer", "Microsoft Outlook Express 6.00.2900.5512"), ("X-Mailer", "PHPMailer 6.8.1"),
                               ("X-Mailer", "Foxmail 7.2.25.213"), (None, None), ("X-Priority", "1 (Highest)"), ("X-Mailer", "The Bat! (v9.1.18) Professional")])
            if mailer[0]:
                extra.append(mailer)
            bstyle = r.choice(["spam", "php", "eq", "java"])
            mid = f"<{alnum(r, 14)}${alnum(r, 6)}@{r.choice([fdom, rdns if '.' in rdns else 'localhost', 'localhost.localdomain'])}>"
        elif kind == "compromised":
            host = spec.get("relay", "webmail.hosting-" + alnum(r, 4, "abcdefghijklmnopqrstuvwxyz") + ".example")
            mf = spec.get("mailfrom", f"info@{host.split('.', 1)[1]}")
            spec.setdefault("return_path_addr", mf)
            trace.append(recv(host, host, ip, mx, "ESMTPS", recv_time))
            trace.append(recv("localhost", "localhost", "127.0.0.1", host, "ESMTPA", d, for_=False))
            trace.insert(0, auth_results(mx, "pass", mf.split("@")[1], "pass", "fail" if mf.split("@")[1] != fdom else "pass",
                                         fdom, mf.split("@")[1], ip))
            trace.insert(1, dkim(r, mf.split("@")[1], "default", "From:To:Subject:Date:Message-ID"))
            extra.append(("X-Mailer", r.choice(["Roundcube Webmail/1.4.11", "PHPMailer 5.2.22", "Horde Application Framework 5"])))
            bstyle = r.choice(["php", "eq"])
            mid = f"<{hexid(r, 32)}@{host}>"
        elif kind == "esp-abuse":
            host = f"o{r.randint(1, 99)}.ptr{r.randint(1000, 9999)}.bulkmta.example"
            trace.append(recv(host, host, ip, mx, "ESMTPS", recv_time))
            trace.insert(0, auth_results(mx, "pass", "bulkmta.example", "pass", "none", fdom, f"bounces.{fdom}", ip))
            trace.insert(1, dkim(r, "bulkmta.example", "s1", "from:subject:to:mime-version:content-type"))
            bstyle = "go"
            mid = f"<{alnum(r, 22)}@geopod-ismtpd-{r.randint(1, 40)}>"
        elif kind == "freemail":
            pat = f"mail-{alnum(r, 6, 'abcdefghij0123456789')}.{fdom}"
            trace.append(recv(pat, pat, ip, mx, "ESMTPS", recv_time))
            trace.insert(0, auth_results(mx, "pass", fdom, "pass", "pass", fdom, fdom, ip))
            trace.insert(1, dkim(r, fdom, "20230601", "from:reply-to:to:subject:date:message-id:mime-version"))
            bstyle = "gmail"
            mid = f"<CA{alnum(r, 40)}@mail.{fdom}>"
    else:
        esp = ESP[prof]
        n, m = r.randint(1, 240), r.randint(1, 99)
        hdom = fdom
        if prof == "mailman" and spec.get("list_id"):
            # the list server, not the author's domain, relays list mail
            hdom = spec["list_id"].split("<")[-1].rstrip(">").split(".", 1)[1]
            hdom = hdom[len("lists."):] if hdom.startswith("lists.") else hdom
        host = esp[0].format(n=n, m=m, a=alnum(r, 6, "abcdefghijklmnopqrstuvwxyz0123456789"), dom=hdom)
        bdom = esp[1].format(n=n, m=m, dom=hdom)
        spec["_mf"] = bdom
        bstyle = esp[2]
        ip = ip4(r) if r.random() < 0.85 else ip6(r)
        arc = None
        if prof in ("mailman", "ggroups"):
            # list re-sends: the original author's DKIM no longer verifies; ARC carries it
            arc = "pass"
        trace.append(recv(host, host, ip, mx, "ESMTPS", recv_time))
        if prof in ("inhouse", "ms365", "mailman", "discourse"):
            inner = r.choice(["app", "web", "worker"]) + f"{r.randint(1, 12)}.internal.{hdom}"
            trace.append(recv(inner, inner, r.choice(["10.", "172.16."]) + f"{r.randint(0, 20)}.{r.randint(2, 250)}", host,
                              "ESMTP" if prof != "ms365" else "Microsoft SMTP Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384)",
                              d + timedelta(seconds=1), for_=False))
        dkim_d = spec.get("dkim_d", fdom if prof not in ("mailman", "ggroups") else bdom.replace("lists.", "") if prof == "mailman" else "googlegroups.example")
        trace.insert(0, auth_results(mx, "pass", dkim_d, "pass", "pass", fdom, bdom, ip, arc=arc))
        if arc:
            inst = 1
            trace.insert(0, fold("ARC-Authentication-Results", f"i={inst}; {bdom}; dkim=pass header.d={fdom}; spf=pass smtp.mailfrom={fdom}; dmarc=pass header.from={fdom}"))
            trace.insert(0, fold("ARC-Message-Signature", f"i={inst}; a=rsa-sha256; c=relaxed/relaxed; d={dkim_d}; s=arc-20240605; h=list-unsubscribe:list-id:mime-version:subject:message-id:date:from; bh={b64blob(r, 32)};") + fold_b64(b64blob(r, 180)))
            trace.insert(0, fold("ARC-Seal", f"i={inst}; a=rsa-sha256; t={int(d.timestamp())}; cv=none; d={dkim_d}; s=arc-20240605;") + fold_b64(b64blob(r, 180)))
        trace.insert(1, dkim(r, dkim_d, spec.get("sel", r.choice(["s1", "k1", "selector1", "pm", "mte1", "scph0124", "google", "dk2024"])),
                             "From:To:Subject:Date:Message-ID:MIME-Version:Content-Type" + (":List-Unsubscribe:List-Unsubscribe-Post" if spec.get("bulk") else ""),
                             t=int(d.timestamp())))
        if prof not in ("inhouse", "ms365", "mailman", "ggroups", "discourse", "github", "gitlab", "atlassian") and r.random() < 0.6:
            trace.insert(2, dkim(r, bdom.split(".", 1)[-1] if bdom.count(".") > 2 else bdom, "esp" + str(r.randint(1, 3)),
                                 "from:to:subject:mime-version:content-type:feedback-id", t=int(d.timestamp())))
        extra += esp_headers(prof, spec, r, fdom)
        if prof == "github":
            mid = f"<{spec.get('gh_repo', 'acme/app')}/{spec.get('gh_kind', 'pull')}/{r.randint(100, 9999)}/c{r.randint(10**9, 10**10)}@github-mail.example>"
        elif prof == "gitlab":
            mid = f"<{hexid(r, 32)}@gitlab-mail.example>"
        elif prof == "ms365":
            mid = f"<AM{r.randint(0, 9)}PR0{r.randint(1, 9)}MB{r.randint(1000, 9999)}{alnum(r, 22, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}@AM{r.randint(0, 9)}PR0{r.randint(1, 9)}MB{r.randint(1000, 9999)}.eurprd0{r.randint(1, 9)}.prod.cloudmail.example>"
        elif prof.startswith("ses"):
            mid = f"<0102{hexid(r, 12)}-{hexid(r, 8)}-{hexid(r, 4)}-{hexid(r, 4)}-{hexid(r, 4)}-{hexid(r, 12)}-000000@{bdom}>"
        elif prof == "ggroups":
            mid = f"<{hexid(r, 8)}-{hexid(r, 4)}-{hexid(r, 4)}-{hexid(r, 4)}-{hexid(r, 12)}n@googlegroups.example>"
        else:
            mid = f"<{alnum(r, 24)}.{r.randint(10**9, 10**10)}@{bdom}>"
    if spec.get("mid"):
        mid = spec["mid"]
    return trace, extra, mid, bstyle


# ---------------------------------------------------------------- body assembly
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000010000000100802000000909168360000001e49444154"
    "789c63fccf800f30318002a6061a1807a3064c1839a8e1c000008f06031d3a6b8a5b0000000049454e44ae426082")


def leaf(ctype, text, charset, cte, r, extra_params="", disposition=None):
    cte_sel = lib.pick_cte(text, charset, cte, r)
    body, cte_name = lib.encode_body(text, charset, cte_sel)
    h = [f"Content-Type: {ctype}; charset=\"{charset}\"{extra_params}" if r.random() < 0.5 else f"Content-Type: {ctype}; charset={charset}{extra_params}",
         f"Content-Transfer-Encoding: {cte_name}"]
    if disposition:
        h.append(f"Content-Disposition: {disposition}")
    return h, body


def binary_leaf(fname, mime, data, inline_cid=None):
    h = [f"Content-Type: {mime}; name=\"{fname}\""]
    if inline_cid:
        h += [f"Content-ID: <{inline_cid}>", f"Content-Disposition: inline; filename=\"{fname}\""]
    else:
        h.append(f"Content-Disposition: attachment; filename=\"{fname}\"; size={len(data)}" if len(fname) % 2 else f"Content-Disposition: attachment; filename=\"{fname}\"")
    h.append("Content-Transfer-Encoding: base64")
    return h, lib.b64_attachment(data)


def multipart(subtype, parts, bstyle, r, preamble=None):
    b = boundary(bstyle, r)
    h = [f"Content-Type: multipart/{subtype}; boundary=\"{b}\""]
    out = []
    if preamble:
        out.append(preamble + "\n")
    for ph, pb in parts:
        out.append(f"--{b}\n" + "\n".join(ph) + "\n\n" + pb.rstrip("\n") + "\n")
    out.append(f"--{b}--\n")
    return h, "\n".join(out) if False else "".join(out)


def build_body(spec, r, bstyle):
    if spec.get("raw_body") is not None:
        # hand-written MIME structure (multipart/signed, multipart/report, message/rfc822 ...)
        return spec["raw_ct"], spec["raw_body"].lstrip("\n")
    cs = spec.get("charset", "utf-8")
    cte = spec.get("cte")
    text, html = spec.get("text"), spec.get("html")
    flowed = "; format=flowed" if spec.get("flowed") else ""
    parts = []
    if text is not None:
        parts.append(leaf("text/plain", text.lstrip("\n"), cs, cte, r, flowed))
    if html is not None:
        hh = html.strip("\n") + "\n"
        hb = leaf("text/html", hh, cs, spec.get("html_cte", cte), r)
        if spec.get("inline_img"):
            hb = multipart("related", [hb, binary_leaf("logo.png", "image/png", TINY_PNG, inline_cid=spec["inline_img"])], bstyle, r)
        parts.append(hb)
    if spec.get("cal"):
        # the .eml files use LF line ends throughout; the base64 .ics attachment keeps CRLF
        parts.append(leaf("text/calendar", spec["cal"].replace("\r\n", "\n"), "utf-8", spec.get("cal_cte", "7bit") if spec["cal"].isascii() else "qp", r,
                          "; method=" + spec.get("cal_method", "REQUEST")))
    if len(parts) == 1:
        body = parts[0]
    else:
        body = multipart("alternative", parts, bstyle, r)
    att = list(spec.get("attach", []))
    if spec.get("forward"):
        inner = spec["forward"].lstrip("\n")
        aparts = [body, (["Content-Type: message/rfc822", "Content-Disposition: attachment; filename=\"forwarded.eml\""], inner)]
        body = multipart("mixed", aparts, bstyle, r)
    if spec.get("cal") and spec.get("cal_attach", True):
        att.append(("invite.ics", "application/ics", spec["cal"].encode()))
    if att:
        aparts = [body] + [binary_leaf(f, m, data) for f, m, data in att]
        body = multipart("mixed", aparts, bstyle, r, preamble=spec.get("preamble"))
    return body


def render(spec):
    r = lib.rng_for(spec["cls"] + spec["name"])
    spec.setdefault("to", r.choice(TO_POOL[spec["lang"]]))
    if spec.get("list_id") and spec["prof"] in ("mailman", "ggroups") and "rcpt" not in spec:
        spec["rcpt"] = r.choice(TO_POOL[spec["lang"]])
    d = msg_date(spec, r)
    trace, extra, mid, bstyle = build_headers(spec, r, d)
    cs = spec.get("charset", "utf-8")
    name, fa = spec["frm"]
    head = list(trace)
    if spec.get("return_path", True):
        rp = spec.get("return_path_addr") or (fa if spec["prof"].startswith("personal") or spec["cls"] == "spam"
                                               else f"bounce-{alnum(r, 12, '0123456789abcdef')}@{spec.get('_mf', fa.split('@')[1])}")
        if spec.get("return_path_addr") == "":
            rp = ""  # RFC 5321 §4.5.5: bounces use the null reverse-path
        head.insert(0, f"Return-Path: <{rp}>")
    h = []
    h.append(("From", addr(name, fa, cs)))
    if spec.get("reply_to"):
        h.append(("Reply-To", spec["reply_to"]))
    to_hdr = spec.get("to_hdr")
    if not to_hdr and spec["to"] in NAMES and r.random() < 0.55:
        to_hdr = addr(NAMES[spec["to"]], spec["to"], cs)
    h.append(("To", to_hdr or spec["to"]))
    if spec.get("cc"):
        h.append(("Cc", spec["cc"]))
    h.append(("Subject", enc_words(spec["subj"], cs, spec.get("subj_enc"))))
    h.append(("Date", lib.format_datetime(d)))
    h.append(("Message-ID", mid))
    if spec.get("reply"):
        h.append(("In-Reply-To", spec["reply"]))
        h.append(("References", spec.get("refs", spec["reply"])))
    if spec.get("list_id"):
        h.append(("List-Id", spec["list_id"]))
        lst = spec["list_id"].split("<")[-1].rstrip(">")
        if spec["prof"] == "mailman":
            h += [("List-Post", f"<mailto:{lst.replace('.', '@', 1)}>"),
                  ("List-Help", f"<mailto:{lst.split('.', 1)[0]}-request@{lst.split('.', 1)[1]}?subject=help>"),
                  ("List-Archive", f"<https://{lst.split('.', 1)[1]}/archives/list/{lst.replace('.', '@', 1)}/>"),
                  ("Errors-To", f"{lst.split('.', 1)[0]}-bounces@{lst.split('.', 1)[1]}"), ("Precedence", "list")]
        if "unsub" not in spec:
            spec["unsub"] = f"<mailto:{lst.split('.', 1)[0]}-leave@{lst.split('.', 1)[1]}>"
    if spec.get("bulk") or spec.get("unsub"):
        u = spec.get("unsub") or f"<https://{spec.get('unsub_host', 'email.' + fa.split('@')[1])}/unsubscribe/{alnum(r, 32)}>, <mailto:unsubscribe-{alnum(r, 10, '0123456789abcdef')}@{fa.split('@')[1]}>"
        h.append(("List-Unsubscribe", u))
        if spec.get("bulk") and spec.get("unsub_post", True):
            h.append(("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
    for k, v in extra:
        h.append((k, v))
    for k, v in spec.get("hdrs", []):
        h.append((k, v))
    h.append(("MIME-Version", "1.0"))
    bh, body = build_body(spec, r, bstyle)
    sel = re.search(r"DKIM-Signature:.*?\bs=([^;]+);", "\n".join(trace), re.S)
    bval = re.search(r"DKIM-Signature:.*?\n\t b=([A-Za-z0-9+/]{8})", "\n".join(trace), re.S)
    if sel:
        head = [x.replace("header.s=s1", "header.s=" + sel.group(1).strip()) for x in head]
    if bval:  # RFC 6008: header.b is a prefix of the signature it reports on
        head = [re.sub(r"header\.b=[A-Za-z0-9]{8}", "header.b=" + bval.group(1), x) for x in head]
    lines = head + [fold(k, v) if "\n" not in v else f"{k}: {v}" for k, v in h] + bh
    return "\n".join(lines) + "\n\n" + body


def write_counts(rows):
    """Refresh the generated count tables in README.md."""
    import collections
    out = []
    for cls in ("ham", "spam"):
        rs = [x for x in rows if x["class"] == cls]
        cats = collections.Counter(x["category"] for x in rs)
        langs = collections.Counter(x["language"] for x in rs)
        held = sum(1 for x in rs if x["split"] == "heldout")
        out.append(f"**{cls}**: {len(rs)} messages ({len(rs) - held} train, {held} heldout)" +
                   (f"; {sum(1 for x in rs if x['obvious'] == 'yes')} of them also in `obvious-spam/`" if cls == "spam" else "") + "\n")
        out.append("| category | n | | language | n |\n|---|---|---|---|---|")
        cl, ll = cats.most_common(), langs.most_common()
        for i in range(max(len(cl), len(ll))):
            c = cl[i] if i < len(cl) else ("", "")
            l = ll[i] if i < len(ll) else ("", "")
            out.append(f"| {c[0]} | {c[1]} | | {l[0]} | {l[1]} |")
        out.append("")
    path = os.path.join(ROOT, "README.md")
    text = open(path).read()
    a, b = text.index("<!-- counts -->"), text.index("<!-- /counts -->")
    text = text[:a] + "<!-- counts -->\n" + "\n".join(out) + text[b:]
    open(path, "w").write(text)


def main():
    for m, base in MODULES.items():
        if os.path.exists(os.path.join(HERE, m + ".py")):
            before = len(lib.MESSAGES)
            importlib.import_module(m)
            for i, spec in enumerate(lib.MESSAGES[before:]):
                spec["num"] = base + i
    out_dirs = {c: os.path.join(ROOT, c) for c in ("ham", "spam", "obvious-spam")}
    for p in out_dirs.values():
        shutil.rmtree(p, ignore_errors=True)
        os.makedirs(p)
    rows = []
    counters = {"ham": 0, "spam": 0}
    seen = set()
    for spec in lib.MESSAGES:
        counters[spec["cls"]] += 1
        fname = f"{spec['num']:03d}-{spec['name']}.eml"
        assert spec["name"] not in seen, spec["name"]
        seen.add(spec["name"])
        raw = render(spec)
        path = os.path.join(out_dirs[spec["cls"]], fname)
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(raw)
        # must parse, and decode every part
        with open(path, "rb") as f:
            msg = email.message_from_binary_file(f, policy=email.policy.default)
        assert msg["From"] and msg["Subject"] is not None and msg["Message-ID"], fname
        for part in msg.walk():
            if not part.is_multipart():
                part.get_content()
        assert not msg.defects, (fname, msg.defects)
        rows.append({"file": f"{spec['cls']}/{fname}", "class": spec["cls"], "category": spec["cat"],
                     "language": spec["lang"], "obvious": "yes" if spec.get("obvious") else "no", "split": ""})
        if spec.get("obvious"):
            shutil.copy(path, os.path.join(out_dirs["obvious-spam"], fname))
    # deterministic split: within each (class, category), every third message is held out
    groups = {}
    for row in rows:
        groups.setdefault((row["class"], row["category"]), []).append(row)
    for key, g in groups.items():
        for i, row in enumerate(g):
            row["split"] = "heldout" if i % 3 == 1 else "train"
    with open(os.path.join(ROOT, "labels.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["file", "class", "category", "language", "obvious", "split"], lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    for split in ("train", "heldout"):
        with open(os.path.join(ROOT, f"{split}.list"), "w") as f:
            for row in rows:
                if row["split"] == split:
                    f.write(f"{row['class']} {row['file']}\n")
    with open(os.path.join(ROOT, "obvious-spam.list"), "w") as f:
        for row in rows:
            if row["obvious"] == "yes":
                f.write(f"spam obvious-spam/{row['file'].split('/')[1]}\n")
    # the promotions/social/inbox corpora next door are modern legitimate mail too
    with open(os.path.join(ROOT, "promotions-as-ham.list"), "w") as f:
        f.write("# tests/corpus/promotions{,-heldout}: modern legitimate mail (promotion/social/inbox), all ham\n")
        for d in ("promotions", "promotions-heldout"):
            base = os.path.join(os.path.dirname(ROOT), d)
            for sub in sorted(os.listdir(base)):
                if os.path.isdir(os.path.join(base, sub)):
                    for name in sorted(os.listdir(os.path.join(base, sub))):
                        if name.endswith(".eml"):
                            f.write(f"ham ../{d}/{sub}/{name}\n")
    with open(os.path.join(ROOT, "all.list"), "w") as f:
        for row in rows:
            f.write(f"{row['class']} {row['file']}\n")
    write_counts(rows)
    print(f"{counters['ham']} ham, {counters['spam']} spam, "
          f"{sum(1 for r_ in rows if r_['obvious'] == 'yes')} obvious", file=sys.stderr)


if __name__ == "__main__":
    main()
