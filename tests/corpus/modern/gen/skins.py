"""A few HTML layouts of the kinds modern senders use. Many messages write their HTML by hand;
these cover the common template families (table card, MJML-style, Word/Outlook, bare div)."""

import html as _h


def esc(s):
    return _h.escape(s, quote=False)


def paras(ps, style="margin:0 0 16px 0;"):
    out = []
    for p in ps:
        if p.startswith("<"):
            out.append(p)
        else:
            out.append(f'<p style="{style}">{esc(p)}</p>')
    return "\n".join(out)


def card(brand, color, heading, ps, button=None, footer="", pixel=None, lang="en", preheader="", logo=None,
         font="-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif"):
    btn = ""
    if button:
        btn = (f'<table role="presentation" cellspacing="0" cellpadding="0" border="0" style="margin:24px 0;"><tr>'
               f'<td style="border-radius:6px;background:{color};">'
               f'<a href="{button[1]}" style="display:inline-block;padding:12px 28px;font-size:16px;color:#ffffff;'
               f'text-decoration:none;font-weight:600;">{esc(button[0])}</a></td></tr></table>')
    px = f'<img src="{pixel}" width="1" height="1" alt="" style="display:block;border:0;">' if pixel else ""
    lg = f'<img src="{logo}" alt="{esc(brand)}" height="28" style="border:0;">' if logo else f'<strong style="font-size:20px;color:{color};">{esc(brand)}</strong>'
    pre = (f'<div style="display:none;max-height:0;overflow:hidden;mso-hide:all;">{esc(preheader)}'
           + "&#847; &zwnj; &nbsp; " * 6 + "</div>") if preheader else ""
    return f"""<!DOCTYPE html>
<html lang="{lang}" xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="x-apple-disable-message-reformatting">
<title>{esc(heading)}</title>
<style>
  @media only screen and (max-width:620px) {{ .container {{ width:100% !important; }} .px {{ padding-left:16px !important; padding-right:16px !important; }} }}
  a {{ color:{color}; }}
</style>
</head>
<body style="margin:0;padding:0;background:#f4f5f7;">
{pre}
<table role="presentation" width="100%" cellspacing="0" cellpadding="0" border="0" style="background:#f4f5f7;">
<tr><td align="center" style="padding:24px 0;">
<table role="presentation" class="container" width="600" cellspacing="0" cellpadding="0" border="0" style="background:#ffffff;border-radius:8px;">
<tr><td class="px" style="padding:28px 40px 8px 40px;">{lg}</td></tr>
<tr><td class="px" style="padding:8px 40px 32px 40px;font-family:{font};font-size:15px;line-height:1.55;color:#1f2328;">
<h1 style="font-size:22px;line-height:1.3;margin:0 0 20px 0;">{esc(heading)}</h1>
{paras(ps)}
{btn}
</td></tr>
</table>
<table role="presentation" class="container" width="600" cellspacing="0" cellpadding="0" border="0">
<tr><td class="px" style="padding:20px 40px;font-family:Arial,sans-serif;font-size:12px;line-height:1.5;color:#6a737d;text-align:center;">
{footer}
</td></tr>
</table>
{px}
</td></tr>
</table>
</body>
</html>"""


def mjml(brand, color, title, blocks, footer="", pixel=None, lang="en"):
    """MJML-compiled look: nested divs, mso conditionals, section tables."""
    secs = []
    for b in blocks:
        if isinstance(b, tuple) and b[0] == "img":
            inner = f'<img alt="{esc(b[2])}" src="{b[1]}" style="border:0;display:block;outline:none;text-decoration:none;height:auto;width:100%;font-size:13px;" width="600" height="auto" />'
        elif isinstance(b, tuple) and b[0] == "btn":
            inner = (f'<table border="0" cellpadding="0" cellspacing="0" role="presentation" style="border-collapse:separate;line-height:100%;">'
                     f'<tr><td align="center" bgcolor="{color}" role="presentation" style="border:none;border-radius:3px;cursor:auto;mso-padding-alt:10px 25px;background:{color};" valign="middle">'
                     f'<a href="{b[2]}" style="display:inline-block;background:{color};color:#ffffff;font-family:Ubuntu, Helvetica, Arial, sans-serif;font-size:13px;font-weight:normal;line-height:120%;margin:0;text-decoration:none;text-transform:none;padding:10px 25px;mso-padding-alt:0px;border-radius:3px;" target="_blank"> {esc(b[1])} </a></td></tr></table>')
        elif isinstance(b, tuple) and b[0] == "h":
            inner = f'<div style="font-family:Georgia,serif;font-size:24px;line-height:1.3;text-align:left;color:#222;">{esc(b[1])}</div>'
        else:
            inner = f'<div style="font-family:Ubuntu, Helvetica, Arial, sans-serif;font-size:15px;line-height:1.6;text-align:left;color:#333;">{b if b.startswith("<") else esc(b)}</div>'
        secs.append(f"""<!--[if mso | IE]><table align="center" border="0" cellpadding="0" cellspacing="0" class="" style="width:600px;" width="600" ><tr><td style="line-height:0px;font-size:0px;mso-line-height-rule:exactly;"><![endif]-->
<div style="margin:0px auto;max-width:600px;"><table align="center" border="0" cellpadding="0" cellspacing="0" role="presentation" style="width:100%;"><tbody><tr><td style="direction:ltr;font-size:0px;padding:10px 25px;text-align:center;">
{inner}
</td></tr></tbody></table></div>
<!--[if mso | IE]></td></tr></table><![endif]-->""")
    px = f'<img src="{pixel}" alt="" width="1" height="1" border="0" style="height:1px !important;width:1px !important;border-width:0 !important;margin:0 !important;padding:0 !important;" />' if pixel else ""
    body = "\n".join(secs)
    return f"""<!doctype html>
<html lang="{lang}" xmlns="http://www.w3.org/1999/xhtml" xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office">
<head><title>{esc(title)}</title>
<!--[if !mso]><!--><meta http-equiv="X-UA-Compatible" content="IE=edge"><!--<![endif]-->
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style type="text/css">#outlook a {{ padding:0; }} body {{ margin:0;padding:0;-webkit-text-size-adjust:100%;-ms-text-size-adjust:100%; }} table, td {{ border-collapse:collapse;mso-table-lspace:0pt;mso-table-rspace:0pt; }}</style>
<!--[if mso]><noscript><xml><o:OfficeDocumentSettings><o:AllowPNG/><o:PixelsPerInch>96</o:PixelsPerInch></o:OfficeDocumentSettings></xml></noscript><![endif]-->
</head>
<body style="word-spacing:normal;background-color:#eeeeee;">
<div style="background-color:#eeeeee;" lang="{lang}">
<div style="margin:0 auto;max-width:600px;padding:16px 25px;font-family:Georgia,serif;font-size:28px;color:{color};">{esc(brand)}</div>
{body}
<div style="margin:0 auto;max-width:600px;padding:16px 25px;font-family:Arial,sans-serif;font-size:11px;color:#888;">{footer}</div>
{px}
</div>
</body>
</html>"""


def outlook(paras_html, lang="EN-US", sig=""):
    """What Outlook desktop produces for a short typed message."""
    ps = "\n".join(f'<p class="MsoNormal"><span lang="{lang}">{p if p else "<o:p>&nbsp;</o:p>"}<o:p></o:p></span></p>' for p in paras_html)
    return f"""<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word" xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" xmlns="http://www.w3.org/TR/REC-html40">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta name="Generator" content="Microsoft Word 15 (filtered medium)">
<style><!--
/* Font Definitions */
@font-face
	{{font-family:"Cambria Math";
	panose-1:2 4 5 3 5 4 6 3 2 4;}}
@font-face
	{{font-family:Aptos;}}
/* Style Definitions */
p.MsoNormal, li.MsoNormal, div.MsoNormal
	{{margin:0cm;
	font-size:12.0pt;
	font-family:"Aptos",sans-serif;
	mso-ligatures:standardcontextual;}}
span.EmailStyle17
	{{mso-style-type:personal-compose;
	font-family:"Aptos",sans-serif;
	color:windowtext;}}
.MsoChpDefault
	{{mso-style-type:export-only;
	font-size:10.0pt;}}
@page WordSection1
	{{size:612.0pt 792.0pt;
	margin:72.0pt 72.0pt 72.0pt 72.0pt;}}
div.WordSection1
	{{page:WordSection1;}}
--></style><!--[if gte mso 9]><xml>
<o:shapedefaults v:ext="edit" spidmax="1026" />
</xml><![endif]-->
</head>
<body lang="{lang}" link="#467886" vlink="#96607D" style="word-wrap:break-word">
<div class="WordSection1">
{ps}
{sig}
</div>
</body>
</html>"""


def gmail(paras_html, quote_html=None):
    """Gmail-style compose HTML: div per line, gmail_quote block."""
    body = "".join(f"<div>{p if p else '<br>'}</div>" for p in paras_html)
    q = ""
    if quote_html:
        q = f'<br><div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">{quote_html[0]}<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">{quote_html[1]}</blockquote></div>'
    return f'<div dir="ltr">{body}</div>{q}'


def simple(ps, style="font-family:sans-serif;font-size:14px", extra=""):
    return f'<html><body style="{style}">\n' + "\n".join(f"<p>{p}</p>" for p in ps) + f"\n{extra}</body></html>"
