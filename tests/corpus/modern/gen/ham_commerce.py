"""Commerce and work-adjacent mail the user asked for: loud promotional newsletters with
"50% OFF", "LAST CHANCE", "FREE shipping" (from shops the user buys from), tickets, airline
check-in, ride and food-delivery receipts, crowdfunding, job boards, recruiters, freelancers'
invoices and open-source project mail."""
from lib import M, fake_pdf, ics
from skins import card, mjml, outlook, simple

H = "ham"


def promo(brand, color, hero, lines, cta, url, foot, lang="en", pixel=None):
    """A heavy retail layout: hero banner, big coupon box, product grid, social icons."""
    cells = "".join(
        f'<td width="33%" align="center" style="padding:8px;font-family:Arial,sans-serif;font-size:13px;color:#333">'
        f'<img src="https://img.{url.split("/")[2]}/p/{i}.jpg" width="160" alt="" style="display:block;border:0;width:100%"><br>{n}<br>'
        f'<s style="color:#999">{was}</s> <b style="color:{color}">{now}</b></td>'
        for i, (n, was, now) in enumerate(lines))
    px = f'<img src="{pixel}" width="1" height="1" alt="">' if pixel else ""
    return f"""<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<style>@media screen and (max-width:600px){{.w{{width:100%!important}} td[class=c]{{display:block!important}}}}</style></head>
<body style="margin:0;background:#eeeeee">
<center><table class="w" width="600" cellpadding="0" cellspacing="0" border="0" style="background:#ffffff">
<tr><td align="center" style="background:{color};padding:10px;font:bold 12px Arial,sans-serif;color:#fff;letter-spacing:1px">{foot[0]}</td></tr>
<tr><td align="center" style="padding:28px 20px 8px"><div style="font:900 44px/1.05 Arial Black,Arial,sans-serif;color:#111">{hero[0]}</div>
<div style="font:18px Arial,sans-serif;color:#444;padding-top:10px">{hero[1]}</div></td></tr>
<tr><td align="center" style="padding:20px"><a href="{url}" style="display:inline-block;background:#111;color:#fff;font:bold 18px Arial,sans-serif;padding:16px 40px;text-decoration:none;border-radius:2px">{cta}</a></td></tr>
<tr><td><table width="100%" cellpadding="0" cellspacing="0"><tr>{cells}</tr></table></td></tr>
<tr><td align="center" style="padding:24px;font:11px/1.5 Arial,sans-serif;color:#888">{foot[1]}</td></tr>
</table></center>{px}</body></html>"""


M(cls=H, cat="newsletter", lang="en", name="retail-50-off-last-chance", prof="klaviyo", bulk=True, tz="-0500",
  frm=("Northfold Outfitters", "hello@northfold.example"), to="jdoe@example.com",
  subj="LAST CHANCE: 50% OFF everything ends at midnight ⏰",
  html=promo("Northfold", "#c62828", ("50% OFF EVERYTHING", "Ends tonight at midnight. No code needed."),
             [("Trail fleece", "$89", "$44.50"), ("Rain shell", "$149", "$74.50"), ("Wool beanie", "$32", "$16")],
             "SHOP THE SALE", "https://www.northfold.example/sale?utm_campaign=lastchance",
             ("FREE SHIPPING ON ORDERS $50+", "You're getting this because you signed up at northfold.example. Northfold Outfitters, 120 Pine St, Portland OR. <a href=\"https://www.northfold.example/unsubscribe\">Unsubscribe</a>"),
             pixel="https://trk.klmail.example/open/nf-lastchance.gif"),
  date="2025-11-30 19:00")

M(cls=H, cat="newsletter", lang="es", name="moda-rebajas-hasta-70", prof="sfmc", bulk=True, tz="+0100",
  frm=("Alameda Moda", "novedades@alamedamoda.example"), to="marta.r@correo.example",
  subj="🔥 REBAJAS hasta -70% + ENVÍO GRATIS solo este fin de semana",
  html=promo("Alameda", "#000000", ("HASTA -70%", "Rebajas de invierno. ¡Corre, que vuelan!"),
             [("Abrigo lana", "129,95 €", "59,99 €"), ("Botines piel", "89,95 €", "39,99 €"), ("Jersey punto", "39,95 €", "15,99 €")],
             "COMPRAR AHORA", "https://www.alamedamoda.example/rebajas?utm_source=email",
             ("ENVÍO GRATIS EN TODOS LOS PEDIDOS", "Recibes este email porque estás suscrita a la newsletter de Alameda Moda. <a href=\"https://www.alamedamoda.example/baja\">Darse de baja</a>"), lang="es"),
  date="2026-01-09 08:00")

M(cls=H, cat="newsletter", lang="en", name="electronics-black-friday-doorbusters", prof="sfmc", bulk=True, tz="-0600",
  frm=("Voltcity", "deals@e.voltcity.example"), to="alex.morgan@example.com",
  subj="BLACK FRIDAY DOORBUSTERS are LIVE - Save up to $500!!",
  html=promo("Voltcity", "#ffd600", ("DOORBUSTERS", "Limited quantities. While supplies last!"),
             [("55\" 4K TV", "$599.99", "$279.99"), ("Wireless earbuds", "$129.99", "$59.99"), ("Laptop 15\"", "$899.99", "$549.99")],
             "SHOP DOORBUSTERS", "https://www.voltcity.example/blackfriday",
             ("FREE 2-DAY SHIPPING · FREE STORE PICKUP", "Prices valid 11/28 only. Voltcity Inc. You're receiving this email because you are a Voltcity Rewards member. <a href=\"https://www.voltcity.example/email-prefs\">Manage preferences</a>")),
  date="2025-11-28 05:00")

M(cls=H, cat="newsletter", lang="fr", name="fr-soldes-derniere-chance", prof="brevo", bulk=True, tz="+0100",
  frm=("Maison Clément", "newsletter@maisonclement.example"), to="claire.dubois@example.fr",
  subj="Dernière chance ⚡ -40 % sur le linge de maison + livraison offerte",
  html=promo("Maison Clément", "#37474f", ("-40 %", "Derniers jours des soldes d'hiver"),
             [("Parure de lit", "89 €", "53,40 €"), ("Plaid laine", "69 €", "41,40 €"), ("Serviettes x4", "45 €", "27 €")],
             "J'EN PROFITE", "https://www.maisonclement.example/soldes",
             ("LIVRAISON OFFERTE DÈS 49 €", "Vous recevez cet e-mail car vous êtes inscrite à notre newsletter. <a href=\"https://www.maisonclement.example/desinscription\">Se désinscrire</a>"), lang="fr"),
  date="2026-02-03 10:00")

M(cls=H, cat="newsletter", lang="de", name="de-gratis-versand-gutschein", prof="klaviyo", bulk=True, tz="+0100",
  frm=("Kaffeerösterei Brandt", "news@roesterei-brandt.example"), to="jonas.weber@example.de",
  subj="Nur heute: GRATIS Versand + 15 % Gutschein ☕",
  html=promo("Brandt", "#5d4037", ("15 % RABATT", "Mit Code BOHNE15 – nur heute!"),
             [("Espresso Forte 1kg", "24,90 €", "21,17 €"), ("Filter Äthiopien", "12,50 €", "10,63 €"), ("Handmühle", "59 €", "50,15 €")],
             "JETZT EINLÖSEN", "https://www.roesterei-brandt.example/shop",
             ("KOSTENLOSER VERSAND AB 0 €", "Du erhältst diese E-Mail, weil du dich für unseren Newsletter angemeldet hast. <a href=\"https://www.roesterei-brandt.example/abmelden\">Abmelden</a>"), lang="de"))

M(cls=H, cat="newsletter", lang="pt", name="br-oferta-relampago-frete-gratis", prof="sendgrid", bulk=True, tz="-0300",
  frm=("Casa&Cia", "ofertas@casaecia.example"), to="beatriz.souza@example.com.br",
  subj="⚡ OFERTA RELÂMPAGO: até 60% OFF + FRETE GRÁTIS só hoje!",
  html=promo("Casa&Cia", "#e65100", ("ATÉ 60% OFF", "Oferta relâmpago – só até 23h59!"),
             [("Air fryer 4L", "R$ 499", "R$ 249"), ("Jogo de panelas", "R$ 399", "R$ 189"), ("Aspirador robô", "R$ 1.299", "R$ 699")],
             "APROVEITAR AGORA", "https://www.casaecia.example/relampago",
             ("FRETE GRÁTIS PARA TODO O BRASIL", "Você recebeu este e-mail porque se cadastrou na Casa&Cia. <a href=\"https://www.casaecia.example/descadastrar\">Descadastrar</a>"), lang="pt"))

M(cls=H, cat="newsletter", lang="it", name="it-saldi-ultimi-giorni", prof="mailchimp", bulk=True, tz="+0100",
  frm=("Libreria Dante", "newsletter@libreriadante.example"), to="giulia.rossi@example.it",
  subj="Ultimi giorni! -30% su tutti i libri + spedizione GRATIS 📚",
  html=mjml("Libreria Dante", "#8e24aa", "Saldi", [("h", "-30% su tutti i libri"), "Fino a domenica, su tutto il catalogo. Spedizione gratuita da 25 €.",
            ("btn", "Scopri le offerte", "https://www.libreriadante.example/saldi"), "Grazie per leggere con noi!"],
            footer="Libreria Dante srl · Disiscriviti", lang="it"))

M(cls=H, cat="newsletter", lang="en", name="airline-flash-sale-fares", prof="sfmc", bulk=True, tz="+0000",
  frm=("SkyLark Air", "offers@mail.skylarkair.example"), to="hannah@mailbox.example",
  subj="✈️ FLASH SALE: Europe from £29 - 48 hours only!",
  html=card("SkyLark Air", "#0d47a1", "Flash sale: Europe from £29 one way", [
      "Book by midnight Thursday for travel January–March.",
      "Lisbon from <b>£29</b> · Barcelona from <b>£34</b> · Kraków from <b>£25</b> · Rome from <b>£39</b>",
      "Limited seats at these prices. Fares include one under-seat bag."],
      button=("BOOK NOW", "https://www.skylarkair.example/flashsale"),
      footer="Fares one way incl. taxes. SkyLark Air Ltd. You're receiving this as a SkyLark Club member. Unsubscribe"))

M(cls=H, cat="transactional", lang="en", name="airline-checkin-open", prof="sfmc", tz="+0000",
  frm=("SkyLark Air", "noreply@checkin.skylarkair.example"), to="hannah@mailbox.example",
  subj="Check-in is now open for your flight to Lisbon",
  html=card("SkyLark Air", "#0d47a1", "It's time to check in, Hannah", [
      "<b>SL 4412</b> London Gatwick (LGW) → Lisbon (LIS)",
      "Fri 9 May 2025 · Departs 07:05 · Booking ref <b>QX7KP2</b>",
      "Check in now to choose your seat and get your mobile boarding pass. Bag drop closes 40 minutes before departure."],
      button=("Check in", "https://www.skylarkair.example/checkin/QX7KP2"),
      footer="SkyLark Air Ltd"), date="2025-05-08 07:05")

M(cls=H, cat="transactional", lang="es", name="aerolinea-tarjeta-embarque", prof="ses", tz="+0100",
  frm=("Iberiana", "checkin@iberiana.example"), to="lucia.martin@example.es",
  subj="Tu tarjeta de embarque: Madrid - Tenerife Norte IB3938",
  text="""Hola Lucía:

Aquí tienes tu tarjeta de embarque.

Vuelo IB3938 · Madrid (MAD) T4 → Tenerife Norte (TFN)
Sábado 12 de abril · Salida 09:40 · Embarque 09:05 · Puerta: se anunciará
Asiento 14C · Grupo 3

Recuerda llevar tu DNI. ¡Buen viaje!
""", attach=[("TarjetaEmbarque_IB3938.pdf", "application/pdf", fake_pdf(["Tarjeta de embarque IB3938", "MAD - TFN 12/04 09:40", "Asiento 14C"]))],
  date="2025-04-11 09:40")

M(cls=H, cat="transactional", lang="en", name="rideshare-receipt-night", prof="sendgrid", tz="-0500",
  frm=("Zoomr Receipts", "noreply@zoomr-rides.example"), to="jdoe@example.com",
  subj="Your Saturday night trip with Zoomr",
  html=card("Zoomr", "#000000", "Thanks for riding, Jordan", [
      "Total: <b>$23.48</b>", "Trip fare $17.10 · Booking fee $2.88 · Tip $3.50",
      "11:52 PM 214 Elm St → 12:14 AM 88 Ridge Rd · 7.4 mi, 22 min",
      "Your driver: Marcus, Toyota Camry · ⭐ 4.96"],
      footer="Paid with Visa •••• 7720. Zoomr Technologies Inc. Report a lost item in the app."))

M(cls=H, cat="transactional", lang="es", name="vtc-recibo-viaje-aeropuerto", prof="sendgrid", tz="+0100",
  frm=("Cabiify Recibos", "recibos@cabiify.example"), to="jgarcia@example.com",
  subj="Tu recibo del viaje al Aeropuerto T4",
  text="""Gracias por viajar con Cabiify, Javier.

Lunes 3 de marzo · 06:12
Origen: C/ Princesa 25
Destino: Aeropuerto Adolfo Suárez T4
Distancia: 18,2 km · 24 min

Total: 32,40 € (IVA incluido)
Pagado con tarjeta ···· 4471

Puedes descargar la factura desde la app.
""", date="2025-03-03 06:40")

M(cls=H, cat="transactional", lang="es", name="comida-domicilio-pedido-en-camino", prof="sparkpost", tz="-0500",
  frm=("Rapidito", "pedidos@rapidito-app.example"), to="carmen.lopez@example.net",
  subj="¡Tu pedido está en camino! 🛵 Llega en 15-20 min",
  html=card("Rapidito", "#ff6d00", "¡Tu pedido va en camino!", [
      "Tacos El Güero · 2x Orden de pastor, 1x Gringa, 1x Horchata grande",
      "Total: <b>$318.00 MXN</b> (propina incluida)", "Tu repartidor es Luis en moto 🛵"],
      button=("Seguir mi pedido", "https://rapidito-app.example/pedido/9912"), lang="es",
      footer="Rapidito · Ciudad de México"))

M(cls=H, cat="transactional", lang="en", name="food-delivery-refund-missing-item", prof="sendgrid", tz="+0000",
  frm=("Dishdash", "support@dishdash.example"), to="hannah@mailbox.example",
  subj="We've refunded £6.50 for your missing item",
  text="""Hi Hannah,

Sorry your Chicken Katsu didn't make it! We've refunded £6.50 to your original payment method. It should show in 3-5 working days.

Order: Koi Kitchen, #DD-44182

Dishdash Support
""")

M(cls=H, cat="transactional", lang="en", name="concert-tickets-mobile", prof="sfmc", tz="-0800",
  frm=("TixHub", "orders@tixhub.example"), to="sam@example.org",
  subj="YOU'RE IN! 🎶 Your tickets for The Paper Lanterns",
  html=card("TixHub", "#026cdf", "You're going to The Paper Lanterns!", [
      "Fri, Aug 15 2025 · 8:00 PM · The Warfield Hall",
      "2 × General Admission Floor · Order #41-88120/SF",
      "Your tickets are mobile only. Open the TixHub app to add them to your wallet. Screenshots won't scan."],
      button=("View tickets", "https://www.tixhub.example/orders"),
      footer="TixHub · Do not share your ticket barcode"), date="2025-05-02 10:01")

M(cls=H, cat="transactional", lang="es", name="entradas-festival-pulsera", prof="mailgun", tz="+0100",
  frm=("Festival Mar de Sons", "entradas@mardesons.example"), to="pablo@example.es",
  subj="🎟️ ¡Ya tienes tu abono! Mar de Sons 2025 - activa tu pulsera cashless",
  html=card("Mar de Sons", "#00acc1", "¡Nos vemos en la playa!", [
      "Abono 3 días · 10, 11 y 12 de julio", "Localizador: MDS-77A2-KQ",
      "Antes del festival, activa tu pulsera cashless y recarga saldo: te ahorrarás colas. Los menores de 16 deben traer autorización firmada."],
      button=("Activar pulsera", "https://mardesons.example/cashless"), lang="es",
      footer="Mar de Sons Producciones S.L."))

M(cls=H, cat="transactional", lang="en", name="crowdfunding-backed-project", prof="postmark", tz="-0500",
  frm=("Fundbright", "no-reply@fundbright.example"), to="alex.morgan@example.com",
  subj="You backed Tinybot Kit! 🎉 Your pledge of $79",
  text="""Thanks for backing Tinybot: a programmable robot kit for kids!

Your pledge: $79 - Early Bird Kit
Estimated delivery: March 2026
Your card will only be charged if the project reaches its $40,000 goal by Nov 20.

The project is at 212% funded with 9 days to go!

Fundbright
""", date="2025-11-11 21:00")

M(cls=H, cat="transactional", lang="es", name="crowdfunding-libro-recompensa", prof="mailchimp", bulk=True, tz="+0100",
  frm=("Editorial Cometa (Verkami-like)", "hola@editorialcometa.example"), to="lucia.martin@example.es",
  subj="¡LO CONSEGUIMOS! 🙌 El libro se imprime + tu recompensa",
  text="""¡Hola mecenas!

Gracias a 612 personas hemos superado el 180 % del objetivo. "Mapas de la costa olvidada" va a la imprenta la semana que viene.

Tu recompensa (libro firmado + lámina) saldrá hacia finales de mayo. Si has cambiado de dirección, respóndenos a este correo antes del 30 de abril.

¡Gracias, de verdad!
Editorial Cometa
""")

M(cls=H, cat="service", lang="en", name="job-board-alert-data-roles", prof="sendgrid", bulk=True, tz="-0500",
  frm=("Jobsly Alerts", "alerts@jobsly.example"), to="jdoe@example.com",
  subj="12 new jobs for 'data analyst' near Chicago - apply now!",
  html=card("Jobsly", "#2557a7", "12 new jobs match your alert", [
      "<b>Data Analyst</b> — Midway Logistics · Chicago, IL · $75,000–$90,000 · Easily apply",
      "<b>Senior Data Analyst</b> — Lakeview Health · Hybrid · $95,000–$115,000",
      "<b>Business Intelligence Analyst</b> — Prairie Mutual · Remote · Urgently hiring"],
      button=("See all 12 jobs", "https://www.jobsly.example/jobs?alert=da-chi"),
      footer="You set up this job alert on Jobsly. Unsubscribe or change frequency."))

M(cls=H, cat="service", lang="es", name="portal-empleo-alerta-ofertas", prof="sfmc", bulk=True, tz="+0100",
  frm=("InfoTrabajo", "alertas@infotrabajo.example"), to="diego.fernandez@example.org",
  subj="Diego, 8 ofertas nuevas de 'técnico de mantenimiento' en Madrid",
  html=card("InfoTrabajo", "#0277bd", "8 ofertas nuevas para ti", [
      "<b>Técnico/a de mantenimiento industrial</b> — Alimentaria del Henares · Alcalá · 26.000–30.000 € brutos/año",
      "<b>Oficial de mantenimiento de edificios</b> — Servicios Integrales Sur · Getafe · Incorporación inmediata",
      "<b>Técnico de climatización</b> — Frío Centro · Madrid · Contrato indefinido"],
      button=("Ver ofertas", "https://www.infotrabajo.example/ofertas"), lang="es",
      footer="Recibes esta alerta porque la creaste en InfoTrabajo. Gestionar alertas"))

M(cls=H, cat="work", lang="en", name="recruiter-outreach-real", prof="personal", tz="-0500",
  frm=("Rachel Kim", "rachel.kim@talentbridge-recruiting.example"), to="sam@example.org",
  subj="Senior Backend Engineer (Rust) - remote, $170-200k",
  text="""Hi Sam,

I came across your talk on async Rust at RustConf and thought of you for a role I'm hiring for. My client is a Series B logistics startup (about 80 people), fully remote in US time zones, building their routing engine in Rust.

Senior Backend Engineer, $170-200k base + equity. Small team, very strong on testing and on-call sanity.

Would you be open to a 15 minute chat this week or next? If the timing's not right, no worries at all.

Rachel Kim
TalentBridge Recruiting
""")

M(cls=H, cat="work", lang="es", name="headhunter-oferta-confidencial", prof="ms365", tz="+0100",
  frm=("Beatriz Aranda", "baranda@selecciondirectiva.example"), to="jgarcia@example.com",
  subj="Oportunidad confidencial - Director Financiero - sector alimentación",
  html=outlook(["Buenos días Javier,", "", "Le escribo porque estamos llevando un proceso confidencial de búsqueda de Director/a Financiero/a para un grupo del sector alimentación (facturación 120 M€, sede en Zaragoza).",
                "Su trayectoria en control de gestión encaja muy bien con el perfil. ¿Le interesaría que lo comentáramos en una llamada breve?", "",
                "Un cordial saludo,"], lang="ES", sig="Beatriz Aranda · Selección Directiva Consultores"))

M(cls=H, cat="work", lang="en", name="freelancer-invoice-overdue-polite", prof="personal", tz="+0100",
  frm=("Tomás Novak Design", "hello@novakdesign.example"), to="tom.becker@example.org",
  subj="Invoice #2025-031 - payment overdue (friendly reminder)",
  text="""Hi Tom,

Hope all's well! Just a friendly reminder that invoice #2025-031 for the brand refresh (€2,400.00) was due on 15 May and I haven't seen the payment come through yet.

I've attached it again in case it got lost. Bank details are on the invoice.

Thanks a lot, and let me know if there's anything on your side I can help with.

Tomás
""", attach=[("Invoice_2025-031.pdf", "application/pdf", fake_pdf(["INVOICE 2025-031", "Tomas Novak Design", "Brand refresh - EUR 2,400.00", "Due 15 May 2025"]))],
  date="2025-05-28 11:00")

M(cls=H, cat="work", lang="es", name="autonomo-factura-traduccion", prof="personal", tz="-0300",
  frm=("Valeria Ortiz · Traducciones", "valeria.ortiz.trad@correo.example"), to="carmen.lopez@example.net",
  subj="Factura N.º 0042 - traducción manual técnico",
  text="""Hola Carmen:

Te adjunto la factura N.º 0042 por la traducción del manual técnico (12.400 palabras), según el presupuesto aceptado.

Importe: USD 620. Pago por transferencia a la cuenta indicada en la factura, a 30 días.

¡Fue un gusto trabajar con ustedes!

Valeria Ortiz
Traductora pública - Buenos Aires
""", attach=[("Factura_0042_VOrtiz.pdf", "application/pdf", fake_pdf(["Factura 0042", "Valeria Ortiz - Traducciones", "USD 620"]))])

M(cls=H, cat="list", lang="en", name="oss-release-announcement", prof="mailman", tz="+0000",
  frm=("Liam O'Brien", "liam@quillsearch.example"), to="quill-announce@lists.quillsearch.example",
  list_id="Quill announcements <quill-announce.lists.quillsearch.example>",
  subj="[ANNOUNCE] Quill 3.2.0 released",
  text="""Hi all,

Quill 3.2.0 is out! Highlights:

* New tokenizer for CJK text (thanks, Mei!)
* 30% faster index merges
* FREE-form query syntax is now the default (the old parser is still available with --legacy-query)
* Fixes for two crashes on malformed input (CVE pending, details in the advisory)

Tarballs and checksums: https://quillsearch.example/download
Changelog: https://quillsearch.example/changelog#3.2.0

Thanks to the 41 contributors to this release.

Liam, for the Quill team
""")

M(cls=H, cat="list", lang="en", name="oss-security-advisory-list", prof="mailman", tz="+0000",
  frm=("Ana Costa", "ana@tinyhttpd.example"), to="tinyhttpd-users@lists.tinyhttpd.example",
  list_id="tinyhttpd users <tinyhttpd-users.lists.tinyhttpd.example>",
  subj="[SECURITY] tinyhttpd 2.8.4: URGENT update for request smuggling",
  text="""All users running tinyhttpd 2.8.0 to 2.8.3 behind a proxy should upgrade to 2.8.4 IMMEDIATELY.

A crafted Transfer-Encoding header could let an attacker smuggle a second request past the proxy. Reported by an independent researcher; no exploitation seen in the wild.

Fixed in 2.8.4. Workaround: set strict_te = on.

Signed release: https://tinyhttpd.example/releases/2.8.4

Ana, on behalf of the security team
""")

M(cls=H, cat="work", lang="en", name="github-sponsors-thank-you", prof="github", gh_reason="sponsor",
  frm=("GitHub", "noreply@github-mail.example"), to="alex.morgan@example.com", tz="+0000",
  subj="You're now sponsoring @kestrel-maintainer - thank you!",
  text="""Thanks for sponsoring @kestrel-maintainer!

Tier: $5 a month
Your first payment of $5.00 was charged to your card on file.

Your sponsorship helps maintainers keep working on the open source you depend on.

Manage your sponsorship: https://github-mail.example/sponsors/kestrel-maintainer
""")

M(cls=H, cat="work", lang="en", name="oss-cla-signed-pr-merged", prof="github", gh_reason="author", gh_repo="quillsearch/quill",
  frm=("Liam O'Brien", "notifications@github-mail.example"), to="sam@example.org", tz="+0000",
  subj="Re: [quillsearch/quill] Fix off-by-one in snippet highlighter (PR #2291)",
  text="""Merged #2291 into main.

Thanks @sam-rivera, this is great - and congratulations on your first contribution to Quill! 🎉 It'll ship in 3.2.1.

--
Reply to this email directly, view it on GitHub:
https://github-mail.example/quillsearch/quill/pull/2291#event-1511
You are receiving this because you authored the thread.
""")

M(cls=H, cat="service", lang="en", name="marketplace-item-sold-payout", prof="ses-us", tz="-0500",
  frm=("Resellr", "notifications@resellr.example"), to="priya.n@example.net",
  subj="Cha-ching! 💸 Your item SOLD - ship by Thursday",
  html=card("Resellr", "#7b1fa2", "Your item sold!", [
      "<b>Vintage denim jacket (M)</b> sold for $48.00.",
      "Print your prepaid label and ship within 3 days. Your earnings ($40.80 after fees) are released when the buyer confirms delivery."],
      button=("Print shipping label", "https://www.resellr.example/sales/label"),
      footer="Resellr Inc. · Never accept payment outside the app."))

M(cls=H, cat="service", lang="es", name="segunda-mano-app-nuevo-mensaje", prof="sendgrid", tz="+0100",
  frm=("Vendelo", "no-reply@vendelo-app.example"), to="pablo@example.es",
  subj="Tienes un mensaje nuevo sobre \"Bicicleta montaña 29\"",
  text="""Hola Pablo,

Sergio te ha escrito sobre "Bicicleta montaña 29": "¿Aceptarías 220€? Puedo ir hoy mismo a recogerla."

Contesta desde la app. Por tu seguridad, no compartas tu teléfono ni datos bancarios en el chat y nunca aceptes pagos fuera de Vendelo si usas el envío.

El equipo de Vendelo
""")

M(cls=H, cat="newsletter", lang="en", name="supermarket-weekly-deals-bogo", prof="sfmc", bulk=True, tz="-0500",
  frm=("FreshWay Market", "weeklyad@freshway.example"), to="jdoe@example.com",
  subj="BOGO FREE! This week's deals + $5 OFF your next $50 order",
  html=promo("FreshWay", "#2e7d32", ("BUY ONE GET ONE FREE", "On hundreds of items this week only"),
             [("Strawberries 1lb", "$3.99", "BOGO"), ("Chicken breast", "$5.99/lb", "$3.49/lb"), ("Cereal family size", "$5.49", "2 for $6")],
             "SEE THE WEEKLY AD", "https://www.freshway.example/weekly-ad",
             ("$5 OFF $50 WITH DIGITAL COUPON", "Prices valid Wed–Tue. FreshWay Market. You're a FreshWay Rewards member. <a href=\"https://www.freshway.example/unsub\">Unsubscribe</a>")))

M(cls=H, cat="newsletter", lang="es", name="supermercado-folleto-2x1", prof="sfmc", bulk=True, tz="+0100",
  frm=("Supermercados Olivar", "ofertas@superolivar.example"), to="carmen.lopez@example.net",
  subj="¡2x1 y 3x2 en cientos de productos! Folleto de esta semana 🛒",
  html=promo("Olivar", "#43a047", ("2x1", "En aceite, conservas y limpieza – ¡solo esta semana!"),
             [("Aceite oliva 1L", "8,95 €", "2x1"), ("Atún pack 6", "5,49 €", "3x2"), ("Detergente 40 lav.", "9,99 €", "2ª ud -70%")],
             "VER FOLLETO", "https://www.superolivar.example/folleto",
             ("ENVÍO GRATIS EN TU PRIMER PEDIDO ONLINE", "Recibes este correo por ser socio del Club Olivar. <a href=\"https://www.superolivar.example/baja\">Baja</a>"), lang="es"))
