"""Legitimate mail with structures a 2002 corpus rarely shows (auto-replies, DSNs, read
receipts, PGP/S-MIME signatures, forwarded messages, base64 HTML) and legitimate mail that
uses words spam made notorious (raffle winner, crypto withdrawal, medication, data breach)."""
from lib import M, fake_pdf, b64_attachment
from skins import card, mjml, outlook, gmail, simple, esc

H = "ham"

M(cls=H, cat="work", lang="en", name="out-of-office-autoreply", prof="ms365", tz="+0100",
  frm=("Katrin Vogel", "k.vogel@fabrikam-labs.example"), to="tom.becker@example.org",
  subj="Automatic reply: export API rollout",
  hdrs=[("Auto-Submitted", "auto-replied"), ("X-Auto-Response-Suppress", "All")],
  text="""Thanks for your message. I'm on leave until Monday 18 August with limited access to email.

For anything urgent about the platform, please contact Yusuf Demir (y.demir@fabrikam-labs.example) or the on-call channel.

Katrin
""", date="2025-08-08 09:12")

M(cls=H, cat="work", lang="es", name="respuesta-automatica-vacaciones", prof="ms365", tz="+0200",
  frm=("Irene Castaño", "irene.castano@logistica-iberia.example"), to="jgarcia@example.com",
  subj="Respuesta automática: Acta reunión semanal operaciones",
  hdrs=[("Auto-Submitted", "auto-replied")],
  text="""Hola,

Estoy de vacaciones hasta el 25 de agosto, sin acceso al correo. Para temas urgentes de operaciones, escribe a operaciones@logistica-iberia.example o llama a la centralita.

Gracias,
Irene Castaño
""", date="2025-08-11 10:02")

M(cls=H, cat="service", lang="en", name="bounce-dsn-typo-address", prof="inhouse", tz="+0000",
  frm=("Mail Delivery System", "MAILER-DAEMON@smtp-out3.mail.example.com"), to="alex.morgan@example.com",
  subj="Undelivered Mail Returned to Sender", return_path_addr="",
  raw_ct=['Content-Type: multipart/report; report-type=delivery-status;\n\tboundary="8C1A21F0A3.1718901234/smtp-out3.mail.example.com"'],
  raw_body="""
This is a MIME-encapsulated message.

--8C1A21F0A3.1718901234/smtp-out3.mail.example.com
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host smtp-out3.mail.example.com.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

For further assistance, please send mail to postmaster.

If you do so, please include this problem report. You can
delete your own text from the attached returned message.

                   The mail system

<rachel.kim@exmaple.org>: Host or domain name not found. Name service error
    for name=exmaple.org type=AAAA: Host not found

--8C1A21F0A3.1718901234/smtp-out3.mail.example.com
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; smtp-out3.mail.example.com
X-Postfix-Queue-ID: 8C1A21F0A3
X-Postfix-Sender: rfc822; alex.morgan@example.com
Arrival-Date: Thu, 20 Jun 2024 16:33:54 +0000 (UTC)

Final-Recipient: rfc822; rachel.kim@exmaple.org
Original-Recipient: rfc822;rachel.kim@exmaple.org
Action: failed
Status: 5.4.4
Diagnostic-Code: X-Postfix; Host or domain name not found. Name service error
    for name=exmaple.org type=AAAA: Host not found

--8C1A21F0A3.1718901234/smtp-out3.mail.example.com
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

From: Alex Morgan <alex.morgan@example.com>
To: rachel.kim@exmaple.org
Subject: Re: long time!
Date: Thu, 20 Jun 2024 16:33:50 +0000
Message-ID: <b7e1c0a2-5d3f-4e8a-9c1b-2f0e6d4a7b91@example.com>

--8C1A21F0A3.1718901234/smtp-out3.mail.example.com--
""", date="2024-06-20 16:33")

M(cls=H, cat="work", lang="es", name="acuse-lectura-mdn", prof="ms365", tz="+0100",
  frm=("Juliana Restrepo", "juliana@estudio-restrepo.example"), to="carmen.lopez@example.net",
  subj="Leído: Cotización página web",
  raw_ct=['Content-Type: multipart/report; report-type=disposition-notification;\n\tboundary="_mdn_b7c9a1e04f_"'],
  raw_body="""
--_mdn_b7c9a1e04f_
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: quoted-printable

Su mensaje

Para: Juliana Restrepo
Asunto: Cotizaci=C3=B3n p=C3=A1gina web
Enviado: martes, 3 de junio de 2025 10:15:02 (UTC-05:00) Bogot=C3=A1, Lima, Quito

fue le=C3=ADdo el martes, 3 de junio de 2025 11:02:40 (UTC-05:00) Bogot=C3=A1, Lima, Quito.

--_mdn_b7c9a1e04f_
Content-Type: message/disposition-notification

Reporting-UA: estudio-restrepo.example; Microsoft Outlook 16.0
Final-Recipient: rfc822;juliana@estudio-restrepo.example
Original-Message-ID: <a7c1e0b2@example.net>
Disposition: manual-action/MDN-sent-manually; displayed

--_mdn_b7c9a1e04f_--
""", date="2025-06-03 11:02")

M(cls=H, cat="personal", lang="en", name="pgp-signed-personal", prof="personal", tz="+0100",
  frm=("Henrik Saarinen", "henrik.saarinen@example.org"), to="tom.becker@example.org",
  subj="keysigning at the meetup", ua=("User-Agent", "Mutt/2.2.12 (2023-09-09)"),
  raw_ct=['Content-Type: multipart/signed; micalg=pgp-sha512;\n\tprotocol="application/pgp-signature"; boundary="x7Qp2LmZ0aRt5sVw"',
          'Content-Disposition: inline'],
  raw_body="""
--x7Qp2LmZ0aRt5sVw
Content-Type: text/plain; charset=utf-8
Content-Disposition: inline
Content-Transfer-Encoding: 8bit

Hi Tom,

If you're at the meetup on Wednesday, bring a printed copy of your
fingerprint and an ID and we can cross-sign. Mine is below and also on
the keyservers.

  4A1F 9C2E 77B0 D41E 3C8A  0F6B 2E91 5D7C A0B3 E8F2

Henrik

--x7Qp2LmZ0aRt5sVw
Content-Type: application/pgp-signature; name="signature.asc"
Content-Description: PGP signature

-----BEGIN PGP SIGNATURE-----

iQIzBAABCgAdFiEESh+cLnew1B48ig9rLpFdfKCz6PIFAmcC0T4ACgkQLpFdfKCz
6PL0Yw//Z2x1cnVsZXN0aGlzaXNub3RhcmVhbHNpZ25hdHVyZWp1c3RzaGFwZWQK
c28gaXRsb29rc3JpZ2h0dG9wYXJzZXJzYW5kaHVtYW5zYWxpa2V0aGFua3lvdQo=
=Qm4t
-----END PGP SIGNATURE-----

--x7Qp2LmZ0aRt5sVw--
""")

M(cls=H, cat="work", lang="de", name="de-smime-signiert", prof="ms365", tz="+0100",
  frm=("Petra Lang", "petra.lang@stadtwerke-nord.example"), to="anna.k@example.org",
  subj="Audit-Bericht Barrierefreiheit (final)",
  raw_ct=['Content-Type: multipart/signed; protocol="application/pkcs7-signature";\n\tmicalg=sha-256; boundary="----=_smime_4C2A7F01B9E3"'],
  raw_body="""
This is an S/MIME signed message

------=_smime_4C2A7F01B9E3
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: quoted-printable

Hallo Anna,

anbei der finale Audit-Bericht. Die drei kritischen Punkte (Kontraste im
Login, fehlende Labels im Z=C3=A4hlerstand-Formular, PDF-Rechnungen) sind
als Tickets angelegt.

Viele Gr=C3=BC=C3=9Fe
Petra

------=_smime_4C2A7F01B9E3
Content-Type: application/pkcs7-signature; name="smime.p7s"
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename="smime.p7s"

MIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgEFADCABgkqhkiG9w0BBwEAAKCAMIIF
dTCCBF2gAwIBAgIQC29ycHVzLW9ubHktbm90LWEtcmVhbC1jZXJ0MA0GCSqGSIb3DQEBCwUAMEUx
CzAJBgNVBAYTAkRFMRQwEgYDVQQKEwtFeGFtcGxlIENBMSAwHgYDVQQDExdFeGFtcGxlIFMvTUlN
RSBJc3N1aW5nIENBAAAAAAAA

------=_smime_4C2A7F01B9E3--
""", date="2025-12-03 16:40")

_receipt = """From: Nestaway <automated@nestaway-stays.example>
To: Hannah Price <hannah@mailbox.example>
Subject: Your receipt from Nestaway
Date: Thu, 20 Mar 2025 18:15:02 +0000
Message-ID: <rcpt.HMK2T9QX4A@nestaway-stays.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Receipt for reservation HMK2T9QX4A

Sunny flat in Alfama with river view
3 nights · 9-12 May 2025

€110.00 x 3 nights     €330.00
Cleaning fee            €35.00
Service fee             €47.60
Total (EUR)            €412.60

Paid with Visa ····7720 on 20 March 2025
"""
M(cls=H, cat="personal", lang="en", name="forwarded-receipt-as-attachment", prof="personal", tz="+0000",
  frm=("Hannah Price", "hannah@mailbox.example"), to="greg.h@mailbox.example",
  subj="Fwd: Your receipt from Nestaway", ua=("User-Agent", "Mozilla Thunderbird 128.3.1"),
  text="""Greg - here's the Lisbon receipt for the spreadsheet. Your half is €206.30, no rush.

H
""", forward=_receipt, date="2025-03-22 10:40")

M(cls=H, cat="personal", lang="es", name="reenvio-inline-horario", prof="personal", tz="+0100",
  frm=("Marta Ruiz", "marta.r@correo.example"), to="nuria.vidal@mailbox.example",
  subj="Fwd: Horario piscina municipal temporada de verano",
  text="""Nuria, mira, al final abren el 14 de junio. ¿Vamos con los peques el primer sábado?

---------- Forwarded message ---------
De: Polideportivo Municipal <info@polideportivo-santfeliu.example>
Date: lun, 2 jun 2025 a las 12:10
Subject: Horario piscina municipal temporada de verano
To: <marta.r@correo.example>

Estimados/as usuarios/as:

La piscina de verano abrirá el sábado 14 de junio.
Horario: de lunes a domingo, de 11:00 a 20:00.
Abonos de temporada a la venta en recepción desde el 9 de junio.

Un saludo,
Polideportivo Municipal
""", date="2025-06-02 20:05")

M(cls=H, cat="newsletter", lang="en", name="base64-html-newsletter", prof="sendgrid", bulk=True, tz="-0500", html_cte="b64", cte="b64",
  frm=("The Lakeshore Ledger Events", "events@lakeshoreledger.example"), to="jdoe@example.com",
  subj="This weekend: jazz on the pier, a free bike clinic and the library book sale",
  text="""THIS WEEKEND IN PORT EMERY

Jazz on the pier - Friday 7pm, free, bring a chair
Free bike clinic - Saturday 10am-2pm at Commons Park
Friends of the Library book sale - Saturday and Sunday, $5 a bag on Sunday

Full listings: https://lakeshoreledger.example/events

You're receiving this because you subscribed to Ledger Events. Unsubscribe: https://lakeshoreledger.example/newsletters/manage
""",
  html=card("Ledger Events", "#005a9c", "This weekend in Port Emery", [
      "<b>Jazz on the pier</b> — Friday 7pm, free, bring a chair",
      "<b>Free bike clinic</b> — Saturday 10am–2pm at Commons Park",
      "<b>Friends of the Library book sale</b> — Saturday and Sunday, $5 a bag on Sunday"],
      button=("See all events", "https://lakeshoreledger.example/events?utm_source=newsletter"),
      footer="You're receiving this because you subscribed to Ledger Events. <a href=\"https://lakeshoreledger.example/newsletters/manage\">Unsubscribe</a>",
      pixel="https://u2291.ct.sgsend.example/wf/open?upn=ledger-events"))

M(cls=H, cat="work", lang="en", name="urgent-allcaps-outage", prof="personal", tz="-0700",
  frm=("Dana Okafor", "dana@runwell.example"), to="sam@example.org",
  subj="URGENT!!! PROD DB DOWN - need you on the bridge NOW", ua=("User-Agent", "Roundcube Webmail/1.6.6"),
  text="""Sam - primary DB fell over 5 min ago, failover didn't trigger. Customers are seeing 500s on checkout.

Bridge: https://meet.runwell.example/incident-0612
Incident doc is pinned in #incidents.

CALL ME if you can't join: 555-0166

D
""")

M(cls=H, cat="transactional", lang="es", name="gestoria-excel-adjunto", prof="personal", tz="+0100",
  frm=("Gestoría Olmedo", "consultas@gestoria-olmedo.example"), to="jgarcia@example.com",
  subj="Modelo 130 - 3T: datos para revisar", ua=("X-Mailer", "Microsoft Outlook 16.0"),
  text="""Buenos días Javier:

Le adjuntamos la hoja con los ingresos y gastos del tercer trimestre que hemos cargado para el modelo 130. Por favor, revise sobre todo las dos facturas de septiembre marcadas en amarillo, que no encontramos el justificante.

Necesitaríamos su conformidad antes del día 15 para presentarlo en plazo.

Un saludo,
Elena Olmedo
Gestoría Olmedo
""", attach=[("Modelo130_3T_2025.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
              b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + b"[Content_Types].xml" + bytes(range(64)) + b"PK\x05\x06" + bytes(18))],
  date="2025-10-06 09:20")

M(cls=H, cat="personal", lang="es", name="respuesta-corta-ok", prof="personal", tz="-0300",
  frm=("Pablo", "pablo@example.es"), to="gabi.english@example.com",
  subj="Re: Clases de inglés - horarios marzo", reply="<CAGabi7x2mQ@mail.example.com>", ua=("X-Mailer", "iPhone Mail (21F90)"),
  text="""Jueves 19 hs perfecto 👍

Enviado desde mi iPhone

> El 24 feb 2025, a las 18:02, Teacher Gabi <gabi.english@example.com> escribió:
>
> Hola Pablo! Cómo estás? Te escribo para coordinar los horarios de marzo.
""", date="2025-02-24 19:10")

M(cls=H, cat="personal", lang="en", name="family-emoji-photos", prof="personal", tz="-0500",
  frm=("Aunt Jean", "jean.w1950@example.net"), to="alex.morgan@example.com",
  subj="🎄🎄 Christmas pics!!! 🎅", ua=("X-Mailer", "iPhone Mail (21F90)"),
  html="""<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head><body dir="auto"><div dir="ltr">Merry Christmas sweetheart!!! 🎄❤️ here are the pics from Grandma's, the one of Max in the reindeer sweater 😂😂</div><div dir="ltr"><br></div><div dir="ltr">Love you all, see you at New Years!!</div><div dir="ltr"><br></div><div dir="ltr">Aunt Jean 😘<br><br><div dir="ltr">Sent from my iPhone</div></div></body></html>""",
  attach=[("IMG_7781.png", "image/png", bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63606060f80f0001040100a4a7c4d60000000049454e44ae426082"))],
  date="2025-12-26 11:05")

M(cls=H, cat="list", lang="en", name="mailman-digest", prof="mailman", tz="+0000",
  frm=("", "pgsql-users-request@lists.pgfriends.example"), to="pgsql-users@lists.pgfriends.example",
  list_id="General discussion <pgsql-users.lists.pgfriends.example>",
  subj="pgsql-users Digest, Vol 118, Issue 12",
  text="""Send pgsql-users mailing list submissions to
	pgsql-users@lists.pgfriends.example

To subscribe or unsubscribe via email, send a message with subject or
body 'help' to
	pgsql-users-request@lists.pgfriends.example

You can reach the person managing the list at
	pgsql-users-owner@lists.pgfriends.example

When replying, please edit your Subject line so it is more specific
than "Re: Contents of pgsql-users digest..."

Today's Topics:

   1. Re: autovacuum not keeping up on a 2TB table (Daniel Ortiz)
   2. pg_upgrade from 13 to 17 with extensions (Mei Ling Chua)

----------------------------------------------------------------------

Message: 1
Date: Fri, 7 Mar 2025 09:02:11 -0500
From: Daniel Ortiz <dortiz@example.com>
Subject: Re: autovacuum not keeping up on a 2TB table

Thanks Henrik - it was an abandoned replication slot from a test
replica. Dropped it and vacuum finished in 40 minutes.

------------------------------

Message: 2
Date: Fri, 7 Mar 2025 15:40:27 +0800
From: Mei Ling Chua <meiling.c@example.net>
Subject: pg_upgrade from 13 to 17 with extensions

Has anyone done pg_upgrade across four major versions with PostGIS
installed? Do I need to upgrade PostGIS on the old cluster first?

------------------------------

End of pgsql-users Digest, Vol 118, Issue 12
********************************************
""", date="2025-03-07 12:00")

M(cls=H, cat="transactional", lang="es", name="ong-certificado-donacion-pdf", prof="brevo", tz="+0100", html_cte="b64",
  frm=("Bosques Vivos", "socios@bosquesvivos.example"), to="marta.r@correo.example",
  subj="Tu certificado de donaciones 2024 para la Renta",
  html=card("Bosques Vivos", "#33691e", "Tu certificado de donaciones 2024", [
      "Hola Marta:", "Adjuntamos el certificado de las cuotas que aportaste en 2024 (120,00 €). Ya lo hemos comunicado a la Agencia Tributaria, así que debería aparecer en tu borrador de la Renta.",
      "Gracias por cuidar de los bosques con nosotros."], lang="es",
      footer="Bosques Vivos · Asociación declarada de utilidad pública"),
  attach=[("Certificado_donaciones_2024.pdf", "application/pdf", fake_pdf(["Bosques Vivos - Certificado de donaciones", "Ejercicio 2024", "Donante: Marta R.", "Importe: 120,00 EUR"]))],
  date="2025-02-10 10:00")

M(cls=H, cat="security", lang="en", name="password-manager-breach-alert", prof="postmark", tz="-0500",
  frm=("Keyhaven", "alerts@keyhaven.example"), to="jdoe@example.com",
  subj="Action recommended: 2 of your passwords appeared in a data breach",
  text="""Hi Jordan,

Keyhaven's breach monitoring found 2 of your saved logins in a newly published data breach:

  forum.boardgamers.example   (breach published 4 Nov 2025)
  shop.oldtoys.example        (breach published 4 Nov 2025)

We recommend changing these passwords, and any other logins where you reused them. You can do this from the Security Dashboard in the Keyhaven app. We never include links to change passwords in these alerts.

- Keyhaven
""", date="2025-11-06 08:30")

M(cls=H, cat="transactional", lang="en", name="crypto-exchange-withdrawal-legit", prof="ses-us", tz="+0000",
  frm=("Kestrel Exchange", "no-reply@kestrel-exchange.example"), to="tom.becker@example.org",
  subj="Withdrawal completed: 0.0500 BTC",
  text="""Your withdrawal is complete.

Amount: 0.0500 BTC
Network fee: 0.00002 BTC
Destination: bc1q...7h3m (Saved address: "hardware wallet")
Transaction ID: 9f2c...e81a

Requested from: Kestrel app on iPhone, 2 Mar 2025 14:02 UTC

If you didn't make this withdrawal, lock your account in the app under Security > Lock account.

Kestrel Exchange Ltd is registered with the financial regulator as a crypto-asset service provider.
""", date="2025-03-02 14:05")

M(cls=H, cat="service", lang="en", name="school-raffle-winner", prof="personal", tz="-0500",
  frm=("Lincoln PTAC", "ptac.lincoln@example.org"), to="jdoe@example.com",
  subj="You WON the raffle! 🎉 (Lincoln Elementary winter fair)",
  text="""Hi Jordan!

Congratulations - your ticket #0447 won the family pizza night basket (2 large pizzas at Sal's + a board game) in the winter fair raffle!

You can pick it up from the front office any school day 8-4, or we can send it home with Liam on Friday if you reply and tell us.

Thank you for supporting the PTAC - the raffle raised $1,240 for the new library books.

Monique & the PTAC team
""", date="2025-12-15 16:00")

M(cls=H, cat="service", lang="es", name="farmacia-receta-lista", prof="inhouse", tz="+0100",
  frm=("Farmacia Ldo. Gómez", "avisos@farmaciagomez.example"), to="lucia.martin@example.es",
  subj="Su medicación está lista para recoger",
  text="""Hola Lucía,

Ya tenemos disponible la medicación de su receta electrónica:

- Ibuprofeno 600 mg, 40 comprimidos
- Omeprazol 20 mg, 28 cápsulas

Puede pasar a recogerla con su tarjeta sanitaria de lunes a sábado de 9:00 a 21:00.

Farmacia Ldo. Gómez
C/ Fuencarral 112, Madrid
""", date="2026-02-03 10:30")

M(cls=H, cat="service", lang="pt", name="pt-beneficio-depositado", prof="inhouse", tz="-0300",
  frm=("Previdência - Avisos", "avisos@previdencia.gov.example"), to="beatriz.souza@example.com.br",
  subj="Seu benefício foi depositado",
  text="""Olá, Beatriz.

O pagamento do seu benefício referente a outubro/2025 foi depositado em sua conta no dia 27/10/2025.

Para consultar o extrato, acesse o aplicativo oficial digitando o endereço no navegador ou pela loja de aplicativos do seu celular.

Atenção: não enviamos links por e-mail ou SMS pedindo seus dados.
""", date="2025-10-27 07:00")
