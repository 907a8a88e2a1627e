"""Personal mail as people really write it: exclamation marks, emojis, ALL CAPS excitement,
one-liners, digits in free-mail addresses, forwarded chains, family photos, second-hand
sales between neighbours. All legitimate, much of it sharing words with spam."""
from lib import M, fake_pdf
from skins import gmail, outlook

H = "ham"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63606060f80f0001040100a4a7c4d60000000049454e44ae426082")
JPG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c1912130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc0000b080001000101011100ffc4001f0000010501010101010100000000000000000102030405060708090a0bffda0008010100003f00d2cf20ffd9")

M(cls=H, cat="personal", lang="es", name="boda-confirmada-mayusculas", prof="personal", tz="+0100",
  frm=("Juan Pérez", "juan1985@correo.example"), to="lucia.martin@example.es",
  subj="¡¡¡NOS CASAMOS!!! 💍💍 guarda la fecha", ua=("X-Mailer", "iPhone Mail (21F90)"),
  text="""Lucía!!!!

SÍ, POR FIN!!! 😭😭 Ana y yo nos casamos el 20 de septiembre en Cuenca. Todavía no tenemos las invitaciones hechas pero queríamos que lo supieras ya, que si no luego os liais con las vacaciones.

Apunta: sábado 20/09, por la tarde, en la ermita de San Isidro y luego cena en la finca de sus tíos.

Ya te contaré más. ¡¡Qué nervios!!

Un abrazo enorme,
Juan

Enviado desde mi iPhone
""", date="2025-02-14 22:31")

M(cls=H, cat="personal", lang="en", name="one-liner-running-late", prof="personal", tz="-0500",
  frm=("Mike", "mike.t1979@mailbox.example"), to="jdoe@example.com",
  subj="running late", ua=("X-Mailer", "iPhone Mail (21F90)"),
  text="""10 min late, order me the usual

Sent from my iPhone
""")

M(cls=H, cat="personal", lang="es", name="fotos-cumple-abuela-adjuntas", prof="personal", tz="+0100",
  frm=("María G.", "maria.g77@correo.example"), to="carmen.lopez@example.net",
  subj="Fotos del cumple de la abuela 📸❤️",
  html=gmail(["Hola prima!!", "", "Te mando las fotos del domingo, salió guapísima la abuela con la tarta 🎂😍 La de los primos en la escalera es mi favorita jajaja", "", "A ver si la próxima venís todos!!", "", "Besos,", "María"]),
  attach=[("IMG_20250316_181204.jpg", "image/jpeg", JPG), ("IMG_20250316_181230.jpg", "image/jpeg", JPG), ("IMG_20250316_183512.jpg", "image/jpeg", JPG)],
  date="2025-03-17 09:14")

M(cls=H, cat="personal", lang="en", name="we-got-the-house-caps", prof="personal", tz="-0700",
  frm=("Jess & Dan", "jessanddan2019@example.net"), to="sam@example.org",
  subj="WE GOT THE HOUSE!!!!! 🏡🎉",
  text="""SAM!!! WE GOT IT!!!!

The sellers accepted our offer this morning, closing is June 28. I literally screamed in the Target parking lot 😂

Housewarming in July, you HAVE to come. Bring the dog.

xx Jess
""", date="2025-05-30 13:45")

M(cls=H, cat="personal", lang="es", name="wallapop-vecina-sofa", prof="personal", tz="+0100",
  frm=("Rocío", "rocio.bcn92@mailbox.example"), to="pablo@example.es",
  subj="Re: el sofá que vendes - ¿sigue disponible?", reply="<a8f3e0d2c1b4@example.es>",
  text="""Hola Pablo!

Perfecto, me lo quedo por 80€ como hablamos. ¿Te va bien que pase el sábado por la mañana con mi hermano y la furgo? Sobre las 11.

Te pago en efectivo o por Bizum, lo que prefieras.

Gracias!!
Rocío

El jue, 8 may 2025 a las 20:12, Pablo <pablo@example.es> escribió:
> Hola Rocío, sí, sigue disponible. Es de 3 plazas, gris, sin manchas ni
> roturas, solo se vende porque nos mudamos. Precio 90€ pero si te lo llevas
> esta semana te lo dejo en 80€.
""", date="2025-05-08 21:40")

M(cls=H, cat="personal", lang="en", name="craigslist-bike-buyer", prof="personal", tz="-0800",
  frm=("Tyler", "tyler.bikes88@mailbox.example"), to="sam@example.org",
  subj="Re: Trek road bike 56cm - $350",
  text="""Hey, is the Trek still available? I can come by tomorrow after 5 with cash. Any chance you'd do $300? If not no worries, $350 is fair.

Does it come with the pedals?

Thanks
Tyler
""")

M(cls=H, cat="personal", lang="es", name="chiste-reenviado-cadena", prof="personal", tz="-0600",
  frm=("Tío Chuy", "chuy.ramirez1961@correo.example"), to="jgarcia@example.com",
  subj="FW: FW: FW: Esto es para reírse un rato 😂😂😂",
  text="""JAJAJA este me lo mandó tu tía, está buenísimo

-----Mensaje original-----
De: Lupita Ramírez
Enviado el: martes
Para: Chuy; Compadre Beto; Familia Ramírez
Asunto: FW: FW: Esto es para reírse un rato

-----Mensaje original-----
De: Comadre Tere

Un señor va al doctor y le dice:
- Doctor, cada vez que tomo café me duele el ojo.
- ¿Y ya probó sacar la cucharita de la taza?

😂😂😂 PÁSALO!!!
""")

M(cls=H, cat="personal", lang="pt", name="br-churrasco-domingo", prof="personal", tz="-0300",
  frm=("Rafa", "rafael.silva90@mailbox.example"), to="beatriz.souza@example.com.br",
  subj="CHURRASCO DOMINGO!!! 🔥🥩", ua=("User-Agent", "K-9 Mail for Android"),
  text="""Bia!!!

Domingo tem churrasco lá em casa, a partir do meio-dia. Cada um traz uma bebida, a carne é por minha conta 😎

Confirma até sexta pra eu saber quanto comprar!!

Beijo
Rafa
""")

M(cls=H, cat="personal", lang="fr", name="fr-photos-vacances-bretagne", prof="personal", tz="+0200",
  frm=("Mamie Odette", "odette.marchal42@example.fr"), to="claire.dubois@example.fr",
  subj="Photos de Bretagne !!",
  text="""Ma chérie,

Voici quelques photos de notre semaine à Perros-Guirec. Papi a enfin réussi à prendre le phare sans son doigt devant l'objectif !!

Il a fait beau tous les jours sauf mercredi. On pense fort à vous.

Gros bisous à toi et aux petits,
Mamie
""", attach=[("phare.jpg", "image/jpeg", JPG), ("plage.jpg", "image/jpeg", JPG)], date="2025-07-19 18:02")

M(cls=H, cat="personal", lang="de", name="de-umzug-hilfe-samstag", prof="personal", tz="+0200",
  frm=("Basti", "basti.mueller87@mailbox.example"), to="jonas.weber@example.de",
  subj="Umzug Samstag - bist du dabei?? 📦",
  text="""Hey Jonas,

wie besprochen: Samstag um 9 geht's los, Transporter ist gebucht. Es sind "nur" 3. Stock ohne Aufzug 😅

Für Pizza und Bier ist gesorgt!!

Danke dir schon mal, Basti
""")

M(cls=H, cat="personal", lang="it", name="it-auguri-laurea", prof="personal", tz="+0200",
  frm=("Zia Franca", "franca.bianchi58@example.it"), to="giulia.rossi@example.it",
  subj="AUGURI DOTTORESSA!!! 🎓🎉",
  text="""Giulia carissima,

CONGRATULAZIONI!!! 110 e lode, che brava!!! Lo zio si è commosso quando la mamma ci ha mandato il video della proclamazione.

Ti abbiamo fatto un piccolo regalo, te lo diamo a Ferragosto.

Un abbraccio fortissimo,
zia Franca e zio Piero
""", date="2025-07-11 20:15")

M(cls=H, cat="personal", lang="es", name="ar-asado-cumple-che", prof="personal", tz="-0300",
  frm=("Nacho", "nacho.fernandez10@correo.example"), to="diego.fernandez@example.org",
  subj="Asado el sábado, che!! confirmá",
  text="""Dieguito!!

El sábado hacemos asado en lo de mi viejo en Banfield por mi cumple. Vení a eso de las 13, traé algo para tomar y si podés una ensalada que la Caro no llega.

Confirmá así compro la carne, no me dejes colgado como la otra vez jaja

Abrazo grande
Nacho
""")

M(cls=H, cat="personal", lang="en", name="baby-announcement-photo", prof="personal", tz="+0000",
  frm=("Olivia Hart", "liv.hart.1990@example.net"), to="hannah@mailbox.example",
  subj="Meet Arlo 💙 7lb 2oz", ua=("X-Mailer", "iPhone Mail (21F90)"),
  text="""He's here!!! Arlo James, born 4.12am on Tuesday, 7lb 2oz. Both doing great, very tired, very in love.

Visitors welcome from next week - bring cake not flowers 😂

Liv & Ben xx
""", attach=[("arlo.jpg", "image/jpeg", JPG)])

M(cls=H, cat="personal", lang="es", name="co-mama-llamame", prof="personal", tz="-0500",
  frm=("Mamá", "gloria.restrepo1963@correo.example"), to="jgarcia@example.com",
  subj="LLAMAME CUANDO PUEDAS",
  text="""mijo llamame cuando puedas, no es nada grave, es para lo de la cédula de su papá que necesito que me ayude con la página esa

un besito
mamá
""")

M(cls=H, cat="personal", lang="en", name="reunion-class-of-2005", prof="personal", tz="-0600",
  frm=("Kristen (Walsh) Moore", "kmoore.2005@mailbox.example"), to="jdoe@example.com", cc="reunion2005@groups.example",
  subj="20 YEAR REUNION!!! Class of 2005 - save the date",
  text="""Hey Eagles!!! 🦅

Can you believe it's been 20 years?! We're doing the reunion Saturday Oct 11 at the Riverside Pavilion, 7pm-midnight. Tickets are $45 (includes dinner + DJ), pay through the link on the Facebook group or Venmo me.

PLEASE forward this to anyone from our class you're still in touch with, we're missing a lot of emails!!

Go Eagles!
Kristen
""", date="2025-06-02 19:30")

M(cls=H, cat="personal", lang="es", name="vecino-paquete-recogido", prof="personal", tz="+0100",
  frm=("Vecino 3ºB", "fran.3b@mailbox.example"), to="marta.r@correo.example",
  subj="Tengo tu paquete",
  text="""Hola Marta, soy Fran el del 3ºB. Esta mañana el repartidor me dejó un paquete tuyo (una caja de Zalando creo). Pásate cuando quieras, estoy en casa a partir de las 7.

Un saludo
""")

M(cls=H, cat="personal", lang="en", name="gmail-thread-recipe", prof="personal", tz="+0100",
  frm=("Gran", "margaret.ellis1944@example.net"), to="alex.morgan@example.com",
  subj="Re: the SCONE recipe!!", reply="<CAAlexScones4@mail.example.com>",
  html=gmail(["Here it is darling, don't tell your uncle I gave it away!!", "", "8oz self raising flour", "2oz butter", "1oz sugar", "1 egg and milk to make up 5 fl oz", "", "Hot oven, 12 minutes. DON'T over mix!!!", "", "Love Gran xxx"],
             ("On Sun, Alex Morgan wrote:", "Gran can you send me the scone recipe, the one from Easter? x")))

M(cls=H, cat="personal", lang="pt", name="br-vendo-geladeira-olx", prof="personal", tz="-0300",
  frm=("Carlos Eduardo", "cadu.ms84@correo.example"), to="beatriz.souza@example.com.br",
  subj="Re: Geladeira Frost Free 375L - ainda disponível?",
  text="""Oi Beatriz, tudo bem?

Sim, ainda está disponível. Funcionando perfeitamente, só tem um amassadinho na lateral (mandei foto no anúncio). Faço por R$ 1.100 à vista no Pix. Retirada aqui em Pinheiros, tenho ajuda pra descer.

Pode vir sábado de manhã?

Abraço,
Cadu
""")

M(cls=H, cat="personal", lang="en", name="free-stuff-curb-neighbors", prof="personal", tz="-0400",
  frm=("Ron", "ron.k63@mailbox.example"), to="priya.n@example.net",
  subj="FREE crib + high chair, first come first served",
  text="""Hi Priya, saw your post on the street board that you're expecting - congrats!

We're clearing the garage: a white crib (mattress included) and a high chair, both FREE. They're on my porch at #41, just grab them whenever. No need to ask.

Ron
""")

M(cls=H, cat="personal", lang="es", name="cl-reenvio-datos-cuenta-prestamo", prof="personal", tz="-0400",
  frm=("Feña", "fernanda.soto95@correo.example"), to="diego.fernandez@example.org",
  subj="mis datos para la transferencia",
  text="""Hola Diego! Te paso mis datos para lo del arriendo de la cabaña en Pucón, es 85 lucas cada uno:

Fernanda Soto
Cuenta RUT
Banco del Estado

(el RUT te lo mando por WhatsApp mejor)

gracias!!! va a estar increíble 🏔️
""")

M(cls=H, cat="personal", lang="en", name="short-reply-thanks", prof="personal", tz="+0530",
  frm=("Ananya", "ananya.r2001@example.net"), to="priya.n@example.net",
  subj="Re: notes from Tuesday", reply="<b3d1f2a7@example.net>",
  text="""got them, thank you!!! you're a lifesaver 🙏

On Wed, Priya N wrote:
> attached my notes from Tuesday's lecture, the last slide is missing sorry
""")

M(cls=H, cat="personal", lang="es", name="mx-posada-navidena", prof="personal", tz="-0600",
  frm=("Familia Hernández", "hernandez.familia2010@correo.example"), to="carmen.lopez@example.net",
  subj="🎄 POSADA NAVIDEÑA 🎄 sábado 20 de diciembre",
  html="""<div dir="ltr"><div style="text-align:center"><font size="6" color="#cc0000"><b>¡¡POSADA NAVIDEÑA!!</b></font></div><div style="text-align:center"><br></div><div style="text-align:center">Los esperamos el <b>sábado 20 de diciembre a las 7 pm</b></div><div style="text-align:center">Habrá piñata 🪅, tamales, ponche y pastorela de los niños</div><div style="text-align:center"><br></div><div style="text-align:center">Traigan su aguinaldo para la rifa (regalo de $200 máximo) 🎁</div><div style="text-align:center"><br></div><div style="text-align:center">¡No falten!</div><div style="text-align:center">Lupe y Toño</div></div>""",
  attach=[("invitacion_posada.png", "image/png", PNG)], date="2025-12-08 17:00")

M(cls=H, cat="personal", lang="en", name="lost-cat-neighbours", prof="personal", tz="+0000",
  frm=("Sophie Turner", "sophie.t84@example.net"), to="hannah@mailbox.example",
  subj="HAVE YOU SEEN PEPPER?? (grey tabby, Elm Rd)",
  text="""Hi all - sorry for the mass email!

Our cat Pepper hasn't come home since Sunday night. Grey tabby, white paws, green collar with a bell. She's chipped but very shy.

Could you PLEASE check your sheds and garages? REWARD for anyone who finds her.

Call or text 07700 900123 any time.

Thank you so much,
Sophie (no. 17)
""", attach=[("pepper.jpg", "image/jpeg", JPG)])

M(cls=H, cat="personal", lang="ca", name="ca-sopar-colla", prof="personal", tz="+0100",
  frm=("Marc", "marc.vilalta89@example.cat"), to="jordi.puig@example.cat",
  subj="Sopar de la colla divendres!! 🍕",
  text="""Ei Jordi!

Divendres fem sopar de la colla a can Pep, a les 21h. Porta alguna cosa per beure que el Pep ja fa les pizzes al forn.

Confirma'm si vens, que hem de ser uns 12!!

Una abraçada,
Marc
""")

M(cls=H, cat="personal", lang="es", name="prestamo-hermano-devuelvo", prof="personal", tz="+0100",
  frm=("Álvaro", "alvaro.g2000@mailbox.example"), to="jgarcia@example.com",
  subj="te devuelvo los 300€ el viernes!!",
  text="""Javi, que no se me olvida!! El viernes cobro y te hago la transferencia de los 300€ que me dejaste para el seguro del coche.

Mil gracias de verdad, me salvaste.

Álvaro
""")

M(cls=H, cat="personal", lang="en", name="outlook-dad-forward-article", prof="personal", tz="-0500",
  frm=("Dad", "bob.morgan.1956@example.net"), to="alex.morgan@example.com",
  subj="FW: Retirement savings - READ THIS", ua=("X-Mailer", "Microsoft Outlook 16.0"),
  html=outlook(["Alex,", "", "Read this article about the 401k changes. IMPORTANT for you at your age. We can talk Sunday.", "", "Dad", "",
                "<b>From:</b> Pine Valley Gazette &lt;newsletter@pinevalleygazette.example&gt;<br><b>Subject:</b> What the new contribution limits mean for you",
                "Starting next year, workers can put more away in employer plans. Here is what changes and who benefits most..."]))

M(cls=H, cat="personal", lang="gl", name="gl-festa-aldea", prof="personal", tz="+0200",
  frm=("Xoán", "xoan.lopez77@example.gal"), to="uxia.otero@example.gal",
  subj="Festa do Carme na aldea!!",
  text="""Ola Uxía!

Este ano a festa do Carme é o 16 de xullo. Haberá pulpo, orquestra e fogos ás 12 da noite. Vés? A avoa pregunta por ti cada día 😄

Apertas,
Xoán
""")

M(cls=H, cat="personal", lang="es", name="ar-vendo-entradas-recital", prof="personal", tz="-0300",
  frm=("Meli", "meli.gomez93@correo.example"), to="pablo@example.es",
  subj="Re: entradas recital - TE LAS VENDO!!",
  text="""Siii te las vendo!! Al precio que las pagué, $85.000 las dos, campo delantero. Son digitales, te las transfiero por la app de la ticketera apenas me pases la plata.

Me salió laburo ese finde, qué bronca 😩

Meli
""")

M(cls=H, cat="personal", lang="de", name="de-oma-80-geburtstag", prof="personal", tz="+0100",
  frm=("Sabine Krüger", "sabine.k1970@example.de"), to="anna.k@example.org",
  subj="Omas 80. !!! Überraschungsfeier 🎂 (NICHT verraten)",
  text="""Liebe Anna,

wir planen eine Überraschungsfeier für Omas 80. am 14. März im Gasthof Linde, ab 15 Uhr Kaffee und Kuchen. BITTE NICHTS VERRATEN!!!

Kannst du die Fotocollage übernehmen? Schick mir einfach alte Fotos, die du hast.

Liebe Grüße
Mama
""", date="2026-02-01 10:20")

M(cls=H, cat="personal", lang="en", name="pdf-wedding-seating", prof="personal", tz="+1000",
  frm=("Chloe", "chloe.w.1995@mailbox.example"), to="jdoe@example.com",
  subj="final seating plan 😅 pls check your table!!",
  text="""Hi Jordan!! Attached is the (hopefully!!) final seating plan. You're on table 6 with the uni crew.

If anything's wrong tell me by Friday, after that it's going to the printers and I'm NOT changing it again lol

C x
""", attach=[("seating_plan_v7_FINAL.pdf", "application/pdf", fake_pdf(["Seating plan v7 FINAL", "Table 6: Jordan, Priya, Sam, Ellie, Ben, Tom"]))])
