#!/usr/bin/env python3
"""Writes the charset samples of the plugin robustness test (tests/plugin_robustness.rs): one
message per charset that mail-parser decodes, with the subject, a display name, a text part, an
HTML part and an attachment's RFC 2231 file name in that charset, and the body sent 8bit,
quoted-printable or base64. Run from anywhere; rewrites charsets/*.eml."""
import base64
import os
import quopri
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "charsets")

FR = "Soldes d'hiver : réductions jusqu'à -40 %, livraison gratuite. Où est l'été ? Ça coûte 12,50 €"
ES = "¡Rebajas de invierno! Envío gratis, hasta el 40 % de descuento. Pequeño año, señor Muñoz"
PL = "Zażółć gęślą jaźń — promocja zimowa, bezpłatna dostawa, Łódź i Kraków"
CZ = "Příliš žluťoučký kůň úpěl ďábelské ódy, sleva 30 %"
RU = "Зимняя распродажа: скидки до 40 %, бесплатная доставка. Съешь же ещё этих мягких булок"
EL = "Χειμερινές εκπτώσεις έως 40 %, δωρεάν αποστολή. Ξεσκεπάζω την ψυχοφθόρα βδελυγμία"
HE = "מבצע חורף: הנחות עד 40 אחוז, משלוח חינם. דג סקרן שט בים מאוכזב"
AR = "تخفيضات الشتاء: خصم حتى 40 بالمئة، شحن مجاني. نص حكيم له سر قاطع"
TR = "Kış indirimi: %40'a varan indirim, ücretsiz kargo. Pijamalı hasta yağız şoföre çabucak güvendi"
LV = "Ziemas izpārdošana: atlaides līdz 40 %, bezmaksas piegāde. Glāžšķūņa rūķīši"
VI = "Giảm giá mùa đông: giảm đến 40 %, miễn phí vận chuyển. Tiếng Việt có dấu"
TH = "ลดราคาฤดูหนาว ส่วนลดสูงสุด 40 % จัดส่งฟรี เป็นมนุษย์สุดประเสริฐเลิศคุณค่า"
JA = "冬のセール：最大40％オフ、送料無料。いろはにほへと ちりぬるを カタカナ ﾊﾝｶｸ"
ZH = "冬季促销：全场最高四折，免费送货。我能吞下玻璃而不伤身体"
TW = "冬季促銷：全場最高四折，免費送貨。我能吞下玻璃而不傷身體"
KO = "겨울 세일: 최대 40% 할인, 무료 배송. 다람쥐 헌 쳇바퀴에 타고파"
MIX = "Mixed: é ñ ж Ω 日本 中文 한국어 😀 🎁"

# (charset label in the message, Python codec, sample text)
CHARSETS = [
    ("iso-8859-1", "iso8859_1", FR),
    ("iso-8859-2", "iso8859_2", PL),
    ("iso-8859-3", "iso8859_3", "Maltese: Ħaġar Qim, ċirasa, żebbuġ"),
    ("iso-8859-4", "iso8859_4", LV),
    ("iso-8859-5", "iso8859_5", RU),
    ("iso-8859-6", "iso8859_6", AR),
    ("iso-8859-7", "iso8859_7", EL),
    ("iso-8859-8", "iso8859_8", HE),
    ("iso-8859-9", "iso8859_9", TR),
    ("iso-8859-10", "iso8859_10", "Nordic: Þórður, Ægir, Ŋ"),
    ("iso-8859-11", "iso8859_11", TH),
    ("iso-8859-13", "iso8859_13", LV),
    ("iso-8859-14", "iso8859_14", "Welsh: Ŵ ŷ ẁ ẃ ŵ"),
    ("iso-8859-15", "iso8859_15", FR),
    ("iso-8859-16", "iso8859_16", "Română: ș ț Ș Ț €"),
    ("windows-1250", "cp1250", CZ),
    ("windows-1251", "cp1251", RU),
    ("windows-1252", "cp1252", ES + " “comillas” — …"),
    ("windows-1253", "cp1253", EL),
    ("windows-1254", "cp1254", TR),
    ("windows-1255", "cp1255", HE),
    ("windows-1256", "cp1256", AR),
    ("windows-1257", "cp1257", LV),
    ("windows-1258", "cp1258", "Giam gia mua dong: 40 %, mien phi van chuyen, đ Đ ơ ư"),
    ("koi8-r", "koi8_r", RU),
    ("koi8-u", "koi8_u", "Зимовий розпродаж: ґанок, їжак, єнот"),
    ("ibm850", "cp850", FR),
    ("ibm866", "cp866", RU),
    ("macintosh", "mac_roman", FR),
    ("tis-620", "tis_620", TH),
    ("shift_jis", "shift_jis", JA),
    ("euc-jp", "euc_jp", JA),
    ("iso-2022-jp", "iso2022_jp", JA.replace("ﾊﾝｶｸ", "")),
    ("gb2312", "gb2312", ZH),
    ("gbk", "gbk", ZH),
    ("gb18030", "gb18030", ZH + " 😀"),
    ("big5", "big5", TW),
    ("euc-kr", "euc_kr", KO),
    ("ks_c_5601-1987", "euc_kr", KO),
    ("utf-8", "utf_8", MIX),
    ("utf-16", "utf_16", MIX),
    ("utf-16le", "utf_16_le", MIX),
    ("utf-16be", "utf_16_be", MIX),
    ("utf-7", "utf_7", MIX),
    ("big5-hkscs", "big5hkscs", TW),
    ("hz-gb-2312", "hz", ZH),
    ("iso-2022-kr", "iso2022_kr", KO),
    ("iso-2022-cn", "gb2312", ZH),
    ("windows-874", "cp874", TH),
    ("windows-31j", "cp932", JA),
    ("cp936", "gbk", ZH),
    ("x-mac-cyrillic", "mac_cyrillic", RU),
    ("iso-8859-6-i", "iso8859_6", AR),
    ("iso-8859-8-i", "iso8859_8", HE),
    ("ucs-2", "utf_16_le", MIX.replace("😀 🎁", "")),
    ("x-user-defined", "latin_1", FR),
    ("us-ascii", "latin_1", FR),
    # Labels mail-parser does not know, and a lie (UTF-8 bytes labelled Latin-1).
    ("x-unknown-charset", "utf_8", MIX),
    ("iso-8859-1", "utf_8", MIX),
]


def encode(text, codec):
    try:
        return text.encode(codec)
    except UnicodeEncodeError:
        return text.encode(codec, errors="replace")


def body(raw, cte, needs_b64):
    if needs_b64 or cte == "base64":
        return "base64", base64.encodebytes(raw)
    if cte == "quoted-printable":
        return cte, quopri.encodestring(raw)
    return "8bit", raw + b"\n"


def message(i, label, codec, text):
    wide = codec.startswith("utf_16")
    ctes = ["8bit", "quoted-printable", "base64"]
    cte = ctes[i % 3]
    subject_b = base64.b64encode(encode(text[:40], codec)).decode()
    name_q = "".join(
        c if c.isalnum() and ord(c) < 128 else "=%02X" % b
        for c, b in ((chr(b), b) for b in encode(text[:12], codec))
    )
    filename = urllib.parse.quote(encode(text[:16] + ".txt", codec))
    html = f"<html><body><h1>{text}</h1><p>{text} &amp; &eacute;&#233;&#x1F600;</p><a href=\"https://shop.example/?utm_campaign=x\">{text[:10]}</a></body></html>"
    parts = []
    for ctype, content in [("text/plain", text + "\n" + text), ("text/html", html)]:
        used, data = body(encode(content, codec), cte, wide)
        parts.append(
            f"Content-Type: {ctype}; charset=\"{label}\"\nContent-Transfer-Encoding: {used}\n\n".encode()
            + data
        )
    used, data = body(encode(text, codec), "base64", True)
    parts.append(
        f"Content-Type: text/plain; charset=\"{label}\"\nContent-Disposition: attachment; filename*={label}''{filename}\nContent-Transfer-Encoding: {used}\n\n".encode()
        + data
    )
    head = (
        f"From: =?{label}?Q?{name_q}?= <news@shop.example>\n"
        f"To: bob@example.org\n"
        f"Subject: =?{label}?B?{subject_b}?=\n"
        f"Message-ID: <charset-{i}@shop.example>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="b0"\n\n'
    ).encode()
    out = head
    for p in parts:
        out += b"--b0\n" + p + b"\n"
    return out + b"--b0--\n"


def main():
    os.makedirs(OUT, exist_ok=True)
    for i, (label, codec, text) in enumerate(CHARSETS):
        path = os.path.join(OUT, f"{i:02d}-{label}-{codec}.eml")
        with open(path, "wb") as f:
            f.write(message(i, label, codec, text))


if __name__ == "__main__":
    main()
