"""Modern legitimate mail in French, German, Portuguese, Japanese, Chinese and Korean."""
from lib import M, fake_pdf, ics
from skins import card, mjml, outlook, gmail, simple, esc

H = "ham"

# ------------------------------------------------------------------ français
M(cls=H, cat="transactional", lang="fr", name="fr-commande-expediee", prof="sendgrid", tz="+0100",
  frm=("Librairie Les Mots Passants", "commandes@motspassants.example"), to="claire.dubois@example.fr",
  subj="Votre commande n° 10482 a été expédiée",
  html=card("Les Mots Passants", "#1d3557", "Votre commande est en route !", [
      "Bonjour Claire,",
      "Bonne nouvelle : votre commande n° 10482 a quitté notre librairie ce matin.",
      "• <i>L'Anomalie</i> — Hervé Le Tellier<br>• <i>Vernon Subutex 1</i> — Virginie Despentes",
      "Livraison prévue en Colissimo sous 48 h. Numéro de suivi : 6A 2231 8841 0092 7."],
      button=("Suivre mon colis", "https://motspassants.example/suivi/6A22318841"), lang="fr",
      footer="Librairie Les Mots Passants · 12 rue des Carmes, Lyon<br>Vous recevez cet e-mail suite à votre commande."))

M(cls=H, cat="security", lang="fr", name="fr-connexion-inhabituelle", prof="ses", tz="+0200",
  frm=("Banque Horizon", "securite@banquehorizon.example"), to="m.lefevre@example.org",
  subj="Nouvelle connexion à votre espace client",
  text="""Bonjour,

Une connexion à votre espace client a été effectuée le 14/05/2025 à 21h08 depuis un nouvel appareil (Safari, iPhone).

S'il s'agit de vous, aucune action n'est nécessaire.

Dans le cas contraire, contactez immédiatement votre conseiller ou le service d'opposition au 09 69 00 00 00 (appel non surtaxé).

Banque Horizon ne vous demandera jamais vos codes par e-mail ou par téléphone.
""", date="2025-05-14 21:10")

M(cls=H, cat="personal", lang="fr", name="fr-mamie-vacances", prof="personal", tz="+0200",
  frm=("Jeanne Dubois", "jeanne.dubois@example.net"), to="claire.dubois@example.fr",
  subj="Re: les vacances en Bretagne", reply="<7b2c9a10-1d3e-4f5a-8b6c-0d1e2f3a4b5c@example.fr>",
  text="""Ma chérie,

Oui bien sûr, venez quand vous voulez en août, la maison est grande. Ton père sera là à partir du 10. Dis aux enfants de prendre leurs bottes, il a beaucoup plu cette année.

Je vous ferai des crêpes le premier soir !

Grosses bises
Mamie

Le 02/07/2025 à 18:22, Claire Dubois a écrit :
> Maman, est-ce qu'on pourrait venir une semaine en août avec les enfants ?
> Plutôt la deuxième quinzaine si ça te va.
""", date="2025-07-03 09:15")

M(cls=H, cat="work", lang="fr", name="fr-compte-rendu-reunion", prof="ms365", tz="+0100",
  frm=("Antoine Mercier", "antoine.mercier@atelier-numerique.example"), to="m.lefevre@example.org",
  subj="Compte rendu - point projet refonte site",
  html=outlook(["Bonjour Marc,", "", "Voici le compte rendu de notre point de ce matin :", "",
                "&#8211; Maquettes validées pour l&#8217;accueil et les fiches produit ;",
                "&#8211; Le module de paiement est repoussé au lot 2 (fin mars) ;",
                "&#8211; Recette prévue du 17 au 21 février, merci de bloquer une demi-journée.", "",
                "N&#8217;hésite pas si j&#8217;ai oublié quelque chose.", "", "Bonne journée,", "Antoine"], lang="FR"),
  text="""Bonjour Marc,

Voici le compte rendu de notre point de ce matin :

- Maquettes validées pour l'accueil et les fiches produit ;
- Le module de paiement est repoussé au lot 2 (fin mars) ;
- Recette prévue du 17 au 21 février, merci de bloquer une demi-journée.

N'hésite pas si j'ai oublié quelque chose.

Bonne journée,
Antoine
""", date="2025-01-29 11:40")

M(cls=H, cat="newsletter", lang="fr", name="fr-newsletter-cuisine", prof="brevo", bulk=True, tz="+0100",
  frm=("Le Petit Fourneau", "bonjour@petitfourneau.example"), to="claire.dubois@example.fr",
  subj="Gratin de courge, châtaignes et sauge 🍂",
  html=mjml("Le Petit Fourneau", "#e76f51", "Gratin de courge", [
      ("h", "Gratin de courge, châtaignes et sauge"),
      "Bonjour à toutes et à tous ! L'automne est là et avec lui la saison des courges. Voici mon gratin préféré : fondant, un peu croquant grâce aux châtaignes, et prêt en 45 minutes.",
      "Au menu cette semaine : la recette, une astuce pour éplucher le potimarron sans se couper les doigts, et les résultats du concours de tartes de septembre.",
      ("btn", "Voir la recette", "https://petitfourneau.example/gratin-courge-chataignes"),
  ], footer="Vous recevez cette lettre car vous êtes inscrit·e sur petitfourneau.example. <a href=\"https://r.brevosend.example/mk/un/pf/91\">Se désinscrire</a>", lang="fr",
      pixel="https://r.brevosend.example/tr/op/pf-91"))

M(cls=H, cat="service", lang="fr", name="fr-rdv-medecin", prof="sendgrid", tz="+0100",
  frm=("Doctoplan", "no-reply@doctoplan.example"), to="m.lefevre@example.org",
  subj="Rappel : votre rendez-vous demain à 10h15",
  text="""Bonjour Marc Lefèvre,

Nous vous rappelons votre rendez-vous :

Dr Sophie Garnier - Médecin généraliste
Demain, mardi 18 novembre à 10h15
8 avenue Jean Jaurès, 69007 Lyon

Pensez à apporter votre carte Vitale.

En cas d'empêchement, merci d'annuler votre rendez-vous au moins 24h à l'avance depuis votre compte.
""", date="2025-11-17 10:15")

M(cls=H, cat="list", lang="fr", name="fr-liste-asso-velo", prof="mailman", tz="+0100",
  frm=("Hélène Roux", "helene.roux@example.fr"), to="adherents@lists.velocite-lyon.example",
  list_id="Adhérents Vélocité <adherents.lists.velocite-lyon.example>",
  subj="[Adhérents] Atelier réparation samedi + vélorution du 22",
  text="""Salut à toutes et tous,

Deux rendez-vous :
- Samedi 8, atelier d'autoréparation au local, 14h-18h. Venez avec vos crevaisons et vos freins qui couinent.
- Samedi 22, vélorution : départ 15h place Bellecour.

On cherche aussi deux bénévoles pour tenir le stand à la fête de quartier.

À bientôt à vélo,
Hélène pour le bureau
_______________________________________________
Adherents mailing list -- adherents@lists.velocite-lyon.example
Pour vous désabonner, envoyez un message à adherents-leave@lists.velocite-lyon.example
""")

# ------------------------------------------------------------------ Deutsch
M(cls=H, cat="transactional", lang="de", name="de-bestellung-versandt", prof="ses", tz="+0100",
  frm=("Fahrradladen Speiche", "shop@speiche-shop.example"), to="jonas.weber@example.de",
  subj="Ihre Bestellung 40019 wurde versandt",
  text="""Hallo Jonas Weber,

Ihre Bestellung 40019 ist unterwegs.

  1x Schwalbe-Reifen 28-622, faltbar        32,90 EUR
  2x Schlauch SV 15                          9,80 EUR
  Versand (DHL)                              4,95 EUR
  Summe inkl. 19 % MwSt.                    47,65 EUR

Sendungsnummer: 00340434161094012345
Sendungsverfolgung: https://speiche-shop.example/tracking/40019

Viele Grüße
Ihr Team vom Fahrradladen Speiche

Speiche GmbH, Kastanienallee 12, 10435 Berlin
Geschäftsführer: M. Brandt, Amtsgericht Charlottenburg HRB 000000
""")

M(cls=H, cat="security", lang="de", name="de-anmeldung-neues-geraet", prof="postmark", tz="+0200",
  frm=("Postfach24", "sicherheit@postfach24.example"), to="anna.k@example.org",
  subj="Neue Anmeldung in Ihrem Postfach24-Konto",
  html=card("Postfach24", "#1565c0", "Neue Anmeldung erkannt", [
      "Hallo Anna,", "wir haben eine Anmeldung in Ihrem Konto von einem neuen Gerät festgestellt:",
      '<table cellpadding="4" style="font-size:14px"><tr><td style="color:#666">Gerät</td><td>Firefox unter Linux</td></tr><tr><td style="color:#666">Ort</td><td>Hamburg, Deutschland (ungefähr)</td></tr><tr><td style="color:#666">Zeit</td><td>08.09.2025, 07:52 Uhr</td></tr></table>',
      "Wenn Sie das waren, müssen Sie nichts tun. Andernfalls ändern Sie bitte sofort Ihr Passwort in den Kontoeinstellungen."],
      lang="de", footer="Postfach24 GmbH · Diese Nachricht wurde automatisch erstellt."), date="2025-09-08 07:54")

M(cls=H, cat="personal", lang="de", name="de-nachbar-grillen", prof="personal", tz="+0200",
  frm=("Uwe Schneider", "uwe.schneider@example.de"), to="jonas.weber@example.de",
  subj="Grillen am Samstag?", ua=("User-Agent", "Mozilla Thunderbird 128.3.1"),
  text="""Hallo Jonas,

wir wollten am Samstag ab 17 Uhr im Hof grillen, ganz spontan. Habt ihr Lust? Bringt einfach was zu trinken mit, Würstchen und Salat haben wir genug.

Falls es regnet, machen wir es im Keller :)

Gruß
Uwe
""")

M(cls=H, cat="work", lang="de", name="de-gitlab-merge-request", prof="gitlab", gl_project="kundenportal", gl_reason="review_requested", tz="+0100",
  frm=("Lena Hoffmann", "gitlab@gitlab-mail.example"), to="anna.k@example.org",
  subj="kundenportal | Überprüfung angefordert: !214 Rechnungs-PDF barrierefrei machen",
  text="""Lena Hoffmann hat Sie als Prüferin für den Merge Request !214 angefordert.

Rechnungs-PDF barrierefrei machen

- Tags für Tabellen und Überschriften im PDF
- Alternativtexte für das Logo
- Schriftart eingebettet

Projekt: stadtwerke / kundenportal
Branch: feature/pdf-ua -> main

https://gitlab-mail.example/stadtwerke/kundenportal/-/merge_requests/214

--
Sie erhalten diese E-Mail aufgrund Ihres Kontos auf gitlab-mail.example.
""")

M(cls=H, cat="service", lang="de", name="de-termin-buergeramt", prof="inhouse", tz="+0100", charset="iso-8859-1",
  frm=("Bürgeramt Online-Terminvergabe", "termine@buergeramt-musterstadt.example"), to="jonas.weber@example.de",
  subj="Terminbestätigung: Personalausweis beantragen",
  text="""Sehr geehrte Damen und Herren,

hiermit bestätigen wir Ihren Termin:

Dienstleistung: Personalausweis beantragen
Standort: Bürgeramt Mitte, Raum 0.14
Datum: Donnerstag, 23.01.2025
Uhrzeit: 09:30 Uhr
Vorgangsnummer: 88421773

Bitte bringen Sie Ihren alten Ausweis, ein biometrisches Passfoto und 37,00 EUR (EC-Karte) mit.

Mit freundlichen Grüßen
Ihr Bürgeramt
""", date="2025-01-08 16:20")

# ------------------------------------------------------------------ português
M(cls=H, cat="transactional", lang="pt", name="pt-pedido-confirmado-br", prof="sendgrid", tz="-0300",
  frm=("Casa & Cia", "pedidos@casaecia.example"), to="beatriz.souza@example.com.br",
  subj="Pedido confirmado! Nº 7719023",
  html=card("Casa & Cia", "#ff6f00", "Oba! Seu pedido foi confirmado", [
      "Olá, Beatriz!", "Recebemos o pagamento do seu pedido <b>nº 7719023</b>.",
      '<table width="100%" cellpadding="6" style="font-size:14px"><tr><td>Jogo de panelas antiaderente 5 peças</td><td align="right">R$ 289,90</td></tr><tr><td>Frete</td><td align="right">grátis</td></tr><tr><td><b>Total (Pix)</b></td><td align="right"><b>R$ 289,90</b></td></tr></table>',
      "Previsão de entrega: até 3 dias úteis."], button=("Acompanhar pedido", "https://www.casaecia.example/meus-pedidos/7719023"), lang="pt-BR",
      footer="Casa &amp; Cia Comércio Ltda · CNPJ 00.000.000/0001-00<br>Este é um e-mail automático sobre o seu pedido."))

M(cls=H, cat="security", lang="pt", name="pt-codigo-acesso", prof="ses", tz="+0000",
  frm=("Banco Atlântico", "seguranca@bancoatlantico.example"), to="rui.santos@example.pt",
  subj="Código de confirmação",
  text="""O seu código de confirmação é 518 204.

Utilize-o para confirmar o acesso ao homebanking. Válido durante 5 minutos.

Se não foi você a pedir este código, ignore esta mensagem. O Banco Atlântico nunca lhe pede códigos por telefone ou e-mail.
""")

M(cls=H, cat="personal", lang="pt", name="pt-amigo-futebol", prof="personal", tz="-0300",
  frm=("Rafael Lima", "rafa.lima@example.com"), to="beatriz.souza@example.com.br",
  subj="churrasco domingo", ua=("User-Agent", "K-9 Mail for Android"),
  text="""Bia, vai ter churrasco aqui em casa domingo pra ver a final. Chega umas 15h. Se puder traz aquela farofa que vc fez da ultima vez, todo mundo pediu kkkk

bjs
Rafa
""")

M(cls=H, cat="newsletter", lang="pt", name="pt-newsletter-tecnologia", prof="mailchimp", bulk=True, tz="-0300",
  frm=("Código Aberto BR", "news@codigoaberto.example"), to="beatriz.souza@example.com.br",
  subj="Código Aberto #88: Python 3.14, IA local e o fim do Windows 10",
  text="""Código Aberto #88

Olá! Nesta edição:

1. Python 3.14 chegou: o que muda com o modo sem GIL
2. Rodando modelos de IA no próprio notebook - vale a pena?
3. Windows 10 sem suporte: o que fazer com as máquinas antigas da empresa

Vagas da semana: 4 vagas remotas para devs backend (Go, Rust e Python).

Obrigado por ler! Encaminhe para um amigo.

Você recebe este e-mail porque se inscreveu em codigoaberto.example.
Cancelar inscrição: https://codigoaberto.us17.list-manage.example/unsubscribe?u=cab&id=88
""")

M(cls=H, cat="service", lang="pt", name="pt-consulta-lembrete", prof="mailgun", tz="+0000",
  frm=("Clínica Sorriso", "marcacoes@clinicasorriso.example"), to="rui.santos@example.pt",
  subj="Lembrete de consulta - Medicina Dentária",
  text="""Caro(a) Rui Santos,

Lembramos a sua consulta de Medicina Dentária com a Dra. Inês Carvalho no dia 12/03/2025 às 15:00.

Morada: Rua de Santa Catarina, 410, Porto

Para confirmar responda SIM a esta mensagem. Para desmarcar contacte-nos pelo 220 000 000.

Clínica Sorriso
""", date="2025-03-10 10:30")

M(cls=H, cat="work", lang="pt", name="pt-convite-reuniao", prof="ms365", tz="-0300",
  frm=("Fernanda Alves", "fernanda.alves@agro-sul.example"), to="beatriz.souza@example.com.br",
  subj="Reunião de alinhamento - safra 2025/26",
  text="""Oi Beatriz, tudo bem?

Podemos marcar uma reunião na quinta (14h) para alinhar o cronograma de entregas da safra? Queria revisar principalmente as janelas de transporte para o porto de Paranaguá.

Se preferir outro horário, me fala.

Abraços,
Fernanda Alves
Coordenadora de Logística | Agro Sul
""")

# ------------------------------------------------------------------ 日本語 / 中文 / 한국어
M(cls=H, cat="transactional", lang="ja", name="ja-order-shipped", prof="ses", tz="+0900", cte="b64",
  frm=("ほんのき書店", "order@honnoki.example"), to="tanaka.yuki@example.jp",
  subj="【ほんのき書店】ご注文の商品を発送しました",
  text="""田中 様

ほんのき書店をご利用いただき、誠にありがとうございます。
ご注文の商品を本日発送いたしました。

ご注文番号：HK-20250611-0042
商品：『コンピュータの構成と設計』 第6版 上巻 ×1
配送業者：ヤマト運輸
お問い合わせ番号：4421-8830-1127

お届け予定日：6月13日（金）

今後ともよろしくお願いいたします。

──────────────
ほんのき書店 カスタマーサポート
本メールは送信専用です。
""", date="2025-06-11 15:20")

M(cls=H, cat="personal", lang="ja", name="ja-friend-dinner", prof="personal", tz="+0900",
  frm=("佐藤 美咲", "misaki.sato@example.jp"), to="tanaka.yuki@example.jp",
  subj="来週の食事会について", ua=("X-Mailer", "iPhone Mail (21F90)"),
  text="""ゆきちゃん

来週の金曜日、19時に渋谷でどうかな？
お店はこの前話してたイタリアンを予約しようと思ってます。
都合悪かったら教えてね！

みさき
""")

M(cls=H, cat="security", lang="zh", name="zh-login-code", prof="inhouse", tz="+0800",
  frm=("云途账号", "noreply@yuntu.example"), to="li.wei@example.cn",
  subj="您的登录验证码",
  text="""尊敬的用户：

您的登录验证码为：604173，5分钟内有效。

如非本人操作，请忽略本邮件并及时修改密码。

云途团队
（此邮件由系统自动发送，请勿回复）
""")

M(cls=H, cat="work", lang="zh", name="zh-meeting-notice", prof="ms365", tz="+0800",
  frm=("王芳", "wang.fang@huaxin-tech.example"), to="li.wei@example.cn",
  subj="周五产品评审会议通知",
  text="""李伟，你好：

本周五（11月7日）下午3点在3楼会议室召开产品评审会议，主要讨论：
1. 新版移动端首页设计
2. 支付流程优化方案
3. 第四季度上线计划

请提前准备好相关数据。如无法参加请回复告知。

谢谢！
王芳
产品部
""", date="2025-11-04 10:05")

M(cls=H, cat="transactional", lang="ko", name="ko-delivery-complete", prof="sendgrid", tz="+0900",
  frm=("바로배송", "noreply@barobaesong.example"), to="kim.minji@example.kr",
  subj="[바로배송] 배송이 완료되었습니다",
  html=card("바로배송", "#00a86b", "배송이 완료되었습니다", [
      "김민지 고객님, 주문하신 상품이 배송 완료되었습니다.",
      "주문번호: 2025081100931<br>상품: 무선 키보드 외 1건<br>배송지: 문 앞",
      "상품에 문제가 있으면 7일 이내에 반품을 신청해 주세요."],
      button=("주문 상세 보기", "https://barobaesong.example/orders/2025081100931"), lang="ko",
      footer="바로배송(주) · 본 메일은 발신 전용입니다."), date="2025-08-12 14:30")
