// Example Mailsift plugin in JavaScript: a subject-keyword rule and a header stamp.
//
// Every message gets `X-Mailsift-Javascript: seen`. A message whose subject contains one of the
// keywords (setting `keywords`, comma-separated; default "invoice, receipt") is tagged "keyword"
// and filed into the folder named by `folder` (default "Receipts").
import { plugin, keep, config, log } from "../mailsift.js";

function subjectRule(msg) {
    const verdict = keep().header("X-Mailsift-Javascript", "seen");
    const subject = (msg.subject ?? "").toLowerCase();
    for (const word of config.list("keywords", ["invoice", "receipt"])) {
        if (subject.includes(word.toLowerCase())) {
            const folder = config.get("folder", "Receipts");
            log.info(`subject matches "${word}": filing into ${folder}`);
            return verdict
                .header("X-Mailsift-Javascript-Rule", word)
                .tag("keyword")
                .folder(folder)
                .explain(`subject contains "${word}"`);
        }
    }
    return verdict;
}

export const { info, filter, checkRecipient, learn, traits } = plugin(
    { name: "subject-rule-js", version: "0.1.0", description: "Subject keyword rule and header stamp, in JavaScript" },
    subjectRule,
);
