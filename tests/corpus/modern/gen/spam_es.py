"""Spam y phishing modernos en español (España y Latinoamérica), escritos para este corpus.
Todos los enlaces apuntan a dominios inventados o .example/.test/.invalid."""
from lib import M, fake_pdf
from skins import card, mjml, simple, esc

S = "spam"

M(cls=S, cat="phishing", lang="es", name="banco-cuenta-bloqueada", prof="botnet", obvious=True,
  frm=("Banco Aurora - Seguridad", "seguridad@bancoaurora-clientes.test"), to="lucia.martin@example.es",
  subj="AVISO IMPORTANTE: Su cuenta ha sido BLOQUEADA temporalmente",
  html="""<html><body style="font-family:Arial"><div style="max-width:580px;margin:auto;border:1px solid #ddd">
<div style="background:#003d7a;color:#fff;padding:14px;font-size:20px"><b>Banco Aurora</b></div>
<div style="padding:20px"><p>Estimado cliente:</p>
<p>Hemos detectado <b style="color:red">accesos no autorizados</b> en su banca online. Por su seguridad, su cuenta ha sido <b>bloqueada temporalmente</b>.</p>
<p>Para desbloquearla debe <b>verificar sus datos en un plazo de 24 horas</b>. En caso contrario, su cuenta será cancelada definitivamente.</p>
<p style="text-align:center"><a href="http://bancoaurora-clientes.test/verificacion/acceso.php?id=77120" style="background:#c00;color:#fff;padding:12px 28px;text-decoration:none;font-weight:bold">VERIFICAR AHORA</a></p>
<p>Atentamente,<br>Departamento de Seguridad</p></div></div></body></html>""")

M(cls=S, cat="phishing", lang="es", name="correos-paquete-retenido", prof="botnet", obvious=True,
  frm=("Correos España", "notificaciones@correos-envio-pendiente.test"), to="jgarcia@example.com",
  subj="Su paquete está retenido en aduanas - pago pendiente 1,79 €",
  html="""<html><body style="font-family:Arial"><table width="560" align="center"><tr><td style="background:#ffcd00;padding:14px;font-size:22px;font-weight:bold;color:#002e6d">Correos</td></tr>
<tr><td style="padding:20px"><p>Estimado cliente,</p><p>Su envío <b>ES2025441198</b> no ha podido ser entregado porque las tasas de aduana (<b>1,79 €</b>) no han sido abonadas.</p>
<p>Si no realiza el pago en las próximas <b>48 horas</b>, el paquete será devuelto al remitente.</p>
<p><a href="https://acortar.example/c0rr3os" style="background:#002e6d;color:#fff;padding:10px 22px;text-decoration:none">Pagar y programar entrega</a></p></td></tr></table></body></html>""")

M(cls=S, cat="phishing", lang="es", name="hacienda-devolucion", prof="botnet", obvious=True,
  frm=("Agencia Tributaria", "devoluciones@agenciatributaria-reembolso.test"), to="diego.fernandez@example.org",
  subj="Notificación: tiene una devolución pendiente de 487,30 €",
  text="""Agencia Tributaria

Estimado contribuyente:

Tras los últimos cálculos anuales de su actividad fiscal, hemos determinado que tiene derecho a recibir un reembolso de 487,30 €.

Para recibir el reembolso, debe completar el formulario con sus datos bancarios en el siguiente enlace:

http://agenciatributaria-reembolso.test/devolucion/formulario.php?ref=AEAT-2025-0091

El reembolso puede retrasarse si los datos no son correctos o si se solicita fuera de plazo.

Atentamente,
Agencia Tributaria
""")

M(cls=S, cat="phishing", lang="es", name="sat-factura-pendiente-mx", prof="compromised", relay="mail.refaccionaria-lopez.example",
  frm=("SAT Notificaciones", "contacto@refaccionaria-lopez.example"), to="carmen.lopez@example.net",
  subj="Comprobante Fiscal Digital pendiente de verificación - RFC",
  html="""<html><body style="font-family:Arial"><p><b>SERVICIO DE ADMINISTRACIÓN TRIBUTARIA</b></p>
<p>Estimado contribuyente:</p><p>Se ha detectado una irregularidad en su Comprobante Fiscal Digital por Internet (CFDI). Para evitar sanciones, descargue y revise el documento.</p>
<p><a href="https://sat-cfdi-descarga.test/doc/CFDI_9912.zip">Descargar CFDI_9912.zip</a></p>
<p>Plazo máximo: 72 horas.</p></body></html>""")

M(cls=S, cat="phishing", lang="es", name="netflix-suscripcion-suspendida", prof="esp-abuse", obvious=False,
  frm=("Pantalla+", "cuenta@pantallamas-facturacion.test"), to="pablo@example.es",
  subj="Tu suscripción ha sido suspendida - actualiza tu método de pago",
  html=card("Pantalla+", "#e50914", "No pudimos procesar tu pago", [
      "Hola:", "Tu membresía ha sido <b>suspendida</b> porque no pudimos verificar tu información de facturación.",
      "Actualiza tus datos en las próximas 24 horas para no perder el acceso a tu cuenta."],
      button=("Actualizar método de pago", "https://pantallamas-facturacion.test/cuenta/pago"), lang="es",
      footer="¿Preguntas? Llama al 900 000 000"))

M(cls=S, cat="phishing", lang="es", name="buzon-lleno-cuota", prof="botnet", obvious=True,
  frm=("Administrador de correo", "admin@correo-example-es.test"), to="pablo@example.es",
  subj="Su buzón ha superado el límite de almacenamiento",
  text="""Estimado usuario pablo@example.es,

Su buzón ha superado el límite de almacenamiento establecido por el administrador. No podrá enviar ni recibir mensajes nuevos hasta que vuelva a validar su buzón.

Para volver a validar su buzón, haga clic aquí:
http://webmail-validacion.test/example.es/?u=pablo@example.es

Si no valida su buzón en 24 horas, su cuenta será desactivada.

Gracias,
Administrador del sistema
""")

M(cls=S, cat="phishing", lang="es", name="mercadopago-reembolso-ar", prof="botnet",
  frm=("Mercado Pago", "reembolsos@mercadopag0-ar.test"), to="pablo@example.es",
  subj="Tenés un reembolso de $ 18.500 disponible",
  text="""Hola,

Detectamos un cobro duplicado en tu última compra. Tenés un reembolso de $ 18.500 disponible.

Para acreditarlo en tu cuenta ingresá con tu usuario y clave aquí: https://mercadopag0-ar.test/reembolso

El reembolso vence en 48 horas.

Equipo Mercado Pago
""")

M(cls=S, cat="phishing", lang="es", name="bancolombia-actualiza-datos", prof="botnet", obvious=True,
  frm=("Banco del Valle", "actualizacion@bancodelvalle-seguro.test"), to="carmen.lopez@example.net",
  subj="ALERTA: actualice sus datos o su tarjeta será bloqueada",
  html="""<html><body style="font-family:Arial"><div style="background:#fdda24;padding:12px;font-weight:bold">Banco del Valle</div>
<p>Estimado(a) cliente:</p><p>Por disposición de la Superintendencia Financiera, todos los clientes deben <b>actualizar sus datos</b> antes del 30 de este mes.</p>
<p>Si no actualiza, su tarjeta débito y crédito serán <b>BLOQUEADAS</b>.</p>
<p><a href="https://bit.example/bdv-actualiza">ACTUALIZAR DATOS AQUÍ</a></p>
<p>Deberá ingresar usuario, clave, número de tarjeta y clave dinámica.</p></body></html>""")

M(cls=S, cat="phishing", lang="es", name="dgt-multa-pendiente", prof="botnet", obvious=True,
  frm=("DGT - Notificaciones", "multas@dgt-sanciones-online.test"), to="jgarcia@example.com",
  subj="Notificación de multa de tráfico no abonada - Expediente 2025/88120",
  text="""DIRECCIÓN GENERAL DE TRÁFICO

Tiene una multa pendiente de pago por exceso de velocidad.
Expediente: 2025/88120
Importe: 100,00 € (50,00 € con reducción por pronto pago)

Si no abona la sanción en 72 horas, se iniciará el procedimiento de apremio con un recargo del 20%.

Consultar y pagar: https://dgt-sanciones-online.test/pago?exp=202588120
""")

M(cls=S, cat="phishing", lang="es", name="whatsapp-copia-seguridad", prof="esp-abuse",
  frm=("WhatsApp", "soporte@whatsapp-backup-es.test"), to="marta.r@correo.example",
  subj="Tu copia de seguridad será eliminada",
  html=card("WhatsApp", "#25d366", "Tu copia de seguridad será eliminada", [
      "Hola,", "Tu almacenamiento está lleno. Tus chats, fotos y vídeos se eliminarán en 24 horas.",
      "Verifica tu número para conservar tus datos."], button=("Verificar ahora", "https://whatsapp-backup-es.test/verificar"), lang="es",
      footer="© 2025 WhatsApp LLC"))

# ------------------------------------------------------------------ fraude / premios
M(cls=S, cat="advance-fee", lang="es", name="herencia-abogado", prof="freemail", obvious=True,
  frm=("Abogado Carlos Méndez", "lic.carlos.mendez@freemail-inbox.test"), to="jgarcia@example.com",
  reply_to="despacho.mendez@mailservice.invalid",
  subj="PROPUESTA CONFIDENCIAL - HERENCIA NO RECLAMADA",
  text="""Estimado amigo,

Soy el abogado Carlos Méndez, representante legal del difunto Sr. Antonio García, ciudadano de su país que falleció en un accidente junto a toda su familia. Dejó un depósito de 8.500.000,00 USD (OCHO MILLONES QUINIENTOS MIL DÓLARES) en un banco de aquí.

Como usted tiene el mismo apellido, quiero presentarle como pariente más cercano para que el banco le transfiera los fondos. Repartiremos 50% para mí, 40% para usted y 10% para gastos.

Esta operación es 100% legal y libre de riesgos. Responda con su nombre completo, dirección, teléfono y profesión.

Atentamente,
Lic. Carlos Méndez
""")

M(cls=S, cat="lottery", lang="es", name="loteria-ganador-euromillon", prof="botnet", obvious=True,
  frm=("Lotería Internacional", "premios@loteria-internacional-premios.test"), to="lucia.martin@example.es",
  subj="¡¡¡FELICIDADES!!! Usted ha ganado 950.000,00 EUR",
  html="""<html><body style="font-family:Arial;text-align:center"><h1 style="color:#d00">¡FELICIDADES GANADOR!</h1>
<p>Su dirección de correo electrónico ha sido seleccionada en el <b>SORTEO INTERNACIONAL DE CORREO ELECTRÓNICO</b> y ha ganado <b style="font-size:22px">950.000,00 EUR</b>.</p>
<p>Número de billete: 4477-1120 · Código de premio: EU/77/2025</p>
<p>Para reclamar su premio contacte con nuestro agente el <b>Sr. Roberto Díaz</b> enviando: nombre completo, dirección, teléfono, edad y copia del DNI.</p>
<p>Correo: <a href="mailto:roberto.diaz.premios@mailservice.invalid">roberto.diaz.premios@mailservice.invalid</a></p>
<p><i>Debe reclamar el premio antes de 10 días.</i></p></body></html>""")

M(cls=S, cat="lottery", lang="es", name="sorteo-iphone-encuesta", prof="esp-abuse", obvious=True,
  frm=("Programa de Premios", "premios@encuesta-premio-hoy.test"), to="carmen.lopez@example.net",
  subj="🎁 ¡Carmen, has sido seleccionada para ganar un iPhone 16!",
  html="""<html><body style="text-align:center;font-family:Arial;background:#fff8e1"><h1 style="color:#e53935">¡ENHORABUENA!</h1>
<p style="font-size:18px">Responde a 3 preguntas y llévate un <b>iPhone 16 Pro GRATIS</b>.</p>
<p>¡Solo quedan <b style="color:red">2 premios</b>! La oferta termina HOY.</p>
<a href="https://encuesta-premio-hoy.test/r/?c=carmen" style="background:#43a047;color:#fff;font-size:22px;padding:14px 40px;border-radius:8px;text-decoration:none">RECLAMAR AHORA</a></body></html>""")

# ------------------------------------------------------------------ cripto / inversión
M(cls=S, cat="crypto-scam", lang="es", name="inversion-bitcoin-famoso", prof="botnet", obvious=True,
  frm=("Noticias Financieras", "redaccion@noticias-financieras-hoy.test"), to="diego.fernandez@example.org",
  subj="El método que está haciendo millonarios a los españoles (Hacienda no quiere que lo sepas)",
  html="""<html><body style="font-family:Georgia;max-width:600px"><p style="color:#c00"><b>EXCLUSIVA</b></p>
<h2>Un famoso presentador revela en directo cómo gana 15.000 € al mes con Bitcoin</h2>
<p>"Con solo 250 € de inversión inicial, cualquier persona puede empezar a ganar dinero desde casa gracias a esta plataforma automática", aseguró antes de que el Banco de España intentara detener la emisión.</p>
<p><b>Ganancias garantizadas. Sin experiencia.</b></p>
<p><a href="https://acortar.example/btc-metodo">LEER LA NOTICIA COMPLETA &raquo;</a></p></body></html>""")

M(cls=S, cat="crypto-scam", lang="es", name="asesor-inversion-whatsapp", prof="freemail",
  frm=("Laura Gómez - Asesora", "laura.gomez.inversiones@freemail-inbox.test"), to="pablo@example.es",
  subj="Rentabilidad del 12% mensual - plazas limitadas",
  text="""Hola, buenas tardes.

Soy Laura, asesora financiera de un fondo de trading con inteligencia artificial. Nuestros clientes obtienen una rentabilidad del 12% MENSUAL garantizada.

Con una inversión mínima de 300 USD puede empezar hoy mismo. Quedan solo 5 plazas este mes.

Escríbame por WhatsApp al +44 7700 900123 y le explico todo sin compromiso.

Saludos,
Laura Gómez
""")

# ------------------------------------------------------------------ facturas falsas / sextorsión
M(cls=S, cat="fake-invoice", lang="es", name="factura-pendiente-enlace", prof="compromised", relay="webmail.talleres-ruiz.example",
  frm=("Administración", "facturacion@talleres-ruiz.example"), to="lucia.martin@example.es",
  subj="Factura pendiente de pago nº 2025-0471",
  text="""Buenos días,

Le adjuntamos enlace a la factura nº 2025-0471 pendiente de pago. Rogamos abone el importe a la mayor brevedad.

Descargar factura: https://facturas-online-descarga.test/f/2025-0471

Un saludo,
Departamento de Administración
""")

M(cls=S, cat="fake-invoice", lang="es", name="cambio-cuenta-bancaria-proveedor", prof="freemail",
  frm=("Irene Castaño", "irene.castano.logistica@freemail-inbox.test"), to="jgarcia@example.com",
  subj="Cambio de cuenta bancaria - urgente",
  text="""Hola Javier,

Te informo de que hemos cambiado de entidad bancaria. A partir de ahora, los pagos pendientes deben realizarse a la nueva cuenta:

IBAN: ES00 0000 0000 0000 0000 0000

Por favor, procesa hoy las facturas pendientes a esta cuenta. Es urgente.

Estoy de viaje, mejor contesta solo por correo.

Irene
""")

M(cls=S, cat="sextortion", lang="es", name="sextorsion-bitcoin", prof="botnet", obvious=True,
  frm=("", "diego.fernandez@example.org"), to="diego.fernandez@example.org",
  subj="Tengo acceso a tu dispositivo",
  text="""Hola.

Soy un hacker y tengo acceso a tu sistema operativo y a todas tus cuentas.

Te he estado observando durante meses. Tu ordenador fue infectado con un malware desde una página para adultos que visitaste. Grabé un vídeo de ti mientras veías esos vídeos.

Si no quieres que envíe el vídeo a todos tus contactos, transfiere 1.200 USD en Bitcoin a esta dirección:

bc1qw8r3t5y7u9i0o2p4a6s8d0f2g4h6j8k0l2z4x6

Tienes 48 horas. Sé cuándo has leído este mensaje. No intentes denunciarlo, mi dirección no se puede rastrear.
""")

# ------------------------------------------------------------------ farmacia / citas / empleo / basura
M(cls=S, cat="pharma", lang="es", name="farmacia-sin-receta", prof="botnet", obvious=True,
  frm=("Farmacia Online 24h", "pedidos@farmacia-barata-24h.test"), to="diego.fernandez@example.org",
  subj="V1agra y C1alis SIN RECETA desde 0,79 € - envío discreto",
  html="""<html><body style="font-family:Verdana;text-align:center"><h1 style="color:#090">FARMACIA ONLINE 24H</h1>
<p><b>¡Los mejores precios de internet!</b></p>
<p>Viagra 100 mg — 0,79 €/pastilla<br>Cialis 20 mg — 0,99 €/pastilla<br>Tramadol 50 mg — 1,20 €/pastilla</p>
<p>✔ Sin receta ✔ Envío discreto ✔ 100% garantizado</p>
<a href="http://farmacia-barata-24h.test/?af=771" style="background:#090;color:#fff;padding:12px 30px;text-decoration:none;font-size:20px">COMPRAR AHORA</a></body></html>""")

M(cls=S, cat="pharma", lang="es", name="pastillas-adelgazar", prof="esp-abuse",
  frm=("KetoFit España", "ofertas@ketofit-espana.test"), to="marta.r@correo.example",
  subj="Pierde 10 kilos en 2 semanas sin dieta ni ejercicio",
  html="""<html><body style="font-family:Arial;text-align:center"><h2>El descubrimiento que los nutricionistas no quieren que conozcas</h2>
<p>"Perdí 12 kg en 15 días sin cambiar mi alimentación" – María, 52 años, Sevilla</p>
<p><b>Pide hoy y llévate 2 botes GRATIS</b></p>
<a href="https://ketofit-espana.test/pedido" style="background:#ff4081;color:#fff;padding:12px 32px;text-decoration:none">PEDIR AHORA</a>
<p style="font-size:9px;color:#aaa"><a href="https://ketofit-espana.test/baja">Darse de baja</a></p></body></html>""")

M(cls=S, cat="dating", lang="es", name="citas-chicas-cerca", prof="esp-abuse", obvious=True,
  frm=("Sofía (24)", "sofia@chicas-solteras-cerca.test"), to="jgarcia@example.com",
  subj="Sofía te ha enviado 2 fotos privadas 🔥",
  html="""<html><body style="background:#111;color:#fff;text-align:center;font-family:Arial;padding:30px">
<p style="font-size:20px">Hola guapo 😘 vi tu perfil y quiero conocerte esta noche</p>
<p>Estoy a solo 3 km de ti. Te he enviado 2 fotos privadas.</p>
<a href="https://chicas-solteras-cerca.test/m/?u=jg" style="background:#e91e63;color:#fff;padding:12px 30px;border-radius:30px;text-decoration:none">VER FOTOS (+18)</a></body></html>""")

M(cls=S, cat="job-scam", lang="es", name="empleo-desde-casa", prof="freemail", obvious=False,
  frm=("Recursos Humanos", "rrhh.seleccion.internacional@freemail-inbox.test"), to="marta.r@correo.example",
  subj="Oferta de empleo: 350 € al día desde casa, sin experiencia",
  text="""Estimado/a candidato/a:

Ha sido seleccionado/a para un puesto de ASISTENTE ADMINISTRATIVO REMOTO en nuestra empresa internacional.

Salario: 350 € al día
Horario: 1-2 horas al día desde su móvil
No se requiere experiencia

Para comenzar, responda con su nombre completo, DNI, número de cuenta bancaria y teléfono. Solo quedan 3 plazas.

Departamento de Recursos Humanos
""")

M(cls=S, cat="job-scam", lang="es", name="empleo-like-youtube-whatsapp", prof="freemail",
  frm=("Agencia de Marketing Digital", "equipo.marketing.digital77@freemail-inbox.test"), to="carmen.lopez@example.net",
  subj="Gana dinero dando 'me gusta' en YouTube",
  text="""Hola, buen día.

Somos una agencia de marketing digital. Buscamos personas para dar "me gusta" a videos de YouTube. Pagamos 3 dólares por cada "me gusta", puede ganar hasta 300 dólares al día.

Es muy sencillo, solo necesita un teléfono. Contáctenos por WhatsApp: +1 202 555 0147

Saludos
""")

M(cls=S, cat="seo", lang="es", name="seo-posicionamiento-primera-pagina", prof="freemail",
  frm=("Javier Torres - SEO", "javier.seo.posicionamiento@freemail-inbox.test"), to="diego.fernandez@example.org",
  subj="Re: posicionamiento de su web",
  text="""Hola,

He revisado su página web y he visto que no aparece en la primera página de Google para palabras clave importantes de su sector.

Somos una agencia con más de 10 años de experiencia y garantizamos su posicionamiento en el TOP 10 de Google en 3 meses.

¿Le envío un informe gratuito de auditoría?

Un saludo,
Javier Torres

Si no desea recibir más correos, responda "BAJA".
""")

M(cls=S, cat="bulk-junk", lang="es", name="base-datos-empresas", prof="compromised", relay="mail.distribuciones-sur.example",
  frm=("Marketing B2B", "comercial@distribuciones-sur.example"), to="lucia.martin@example.es",
  subj="Base de datos de 2.500.000 empresas españolas actualizada 2025",
  text="""Buenos días,

Le ofrecemos la base de datos más completa de empresas de España: 2.500.000 registros con email, teléfono, CIF, sector y facturación.

Precio especial solo esta semana: 99 €.

Solicite una muestra gratuita respondiendo a este correo.
""")

M(cls=S, cat="image-only", lang="es", name="solo-imagen-oferta", prof="botnet", obvious=True,
  frm=("", "ofertas@mega-chollos-hoy.test"), to="pablo@example.es",
  subj="Re: tu pedido",
  html="""<html><body><a href="http://mega-chollos-hoy.test/?r=es771"><img src="http://mega-chollos-hoy.test/img/oferta_771.jpg" width="600" height="900" border="0"></a></body></html>""")

M(cls=S, cat="gift-card", lang="es", name="tarjeta-regalo-supermercado", prof="esp-abuse", obvious=True,
  frm=("Mercado Verde Premios", "premios@mercadoverde-regalo.test"), to="lucia.martin@example.es",
  subj="Tu tarjeta regalo de 500 € te está esperando ⏰",
  html="""<html><body style="font-family:Arial;text-align:center"><div style="background:#2e7d32;color:#fff;padding:18px;font-size:24px">Mercado Verde</div>
<h2>¡Enhorabuena! Has recibido una tarjeta regalo de 500 €</h2>
<p>Has sido elegida para participar en nuestro programa de fidelidad. Responde 3 preguntas y recibe tu tarjeta.</p>
<a href="https://mercadoverde-regalo.test/reclamar?id=lm" style="background:#ffc107;color:#000;padding:14px 30px;font-weight:bold;text-decoration:none">CONFIRMAR AHORA</a></body></html>""")

M(cls=S, cat="phishing", lang="es", name="microsoft-contrasena-caduca", prof="compromised", relay="mail.inmobiliaria-costa.example",
  frm=("Microsoft 365", "no-reply@inmobiliaria-costa.example"), to="marta.r@correo.example",
  subj="Su contraseña caduca hoy - marta.r@correo.example",
  html="""<html><body style="font-family:Segoe UI,Arial"><div style="width:500px;padding:20px;border:1px solid #ddd">
<p style="font-size:20px">Su contraseña caduca hoy</p>
<p>La contraseña de <b>marta.r@correo.example</b> caduca hoy. Puede seguir usando la contraseña actual haciendo clic a continuación.</p>
<p><a href="https://login-m365-es.test/?e=marta.r@correo.example" style="background:#0078d4;color:white;padding:10px 22px;text-decoration:none">Mantener la misma contraseña</a></p></div></body></html>""")
