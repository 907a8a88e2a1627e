"""Example Mailsift plugin in Python: a subject-keyword rule and a header stamp.

Every message gets `X-Mailsift-Python: seen`. A message whose subject contains one of the
keywords (setting `keywords`, comma-separated; default "invoice, receipt") is tagged "keyword"
and filed into the folder named by `folder` (default "Receipts").

    [plugin.subject_rule_py.config]
    keywords = "invoice, receipt"
    folder = "Receipts"
"""

import mailsift


@mailsift.plugin(
    name="subject-rule-py",
    version="0.1.0",
    description="Subject keyword rule and header stamp, in Python",
)
def subject_rule(msg: mailsift.Message) -> mailsift.Verdict:
    verdict = mailsift.keep().header("X-Mailsift-Python", "seen")
    subject = (msg.subject or "").lower()
    for word in mailsift.config.list("keywords", ["invoice", "receipt"]):
        if word.lower() in subject:
            folder = mailsift.config.get("folder", "Receipts")
            mailsift.log.info(f"subject matches {word!r}: filing into {folder}")
            return (
                verdict.header("X-Mailsift-Python-Rule", word)
                .tag("keyword")
                .folder(folder)
                .explain(f"subject contains {word!r}")
            )
    return verdict


WitWorld = mailsift.world()
