//! `--report html=FILE`: one self-contained page (no network) people read instead of
//! SAML-tracer: the verdict table, filterable by verdict, severity and text, and per case the
//! login as a sequence with the decoded messages, the forged response's difference from the
//! good one, and the SP's answers.

use std::fmt::Write as _;
use std::path::Path;

use base64::Engine as _;
use quick_xml::escape::escape;
use similar::{ChangeTag, TextDiff};

use crate::report::{counts, overall};
use crate::runner::{Exchange, Message, Outcome, Verdict};
use crate::scenario::Expect;

/// The page's script: filters the cases by verdict, severity and text.
const SCRIPT: &str = r#"
const boxes = [...document.querySelectorAll('input[name=verdict]')];
const severity = document.getElementById('severity');
const text = document.getElementById('text');
const rank = {critical: 4, high: 3, medium: 2, low: 1, '': 0};
function apply() {
  const on = new Set(boxes.filter(b => b.checked).map(b => b.value));
  const min = rank[severity.value];
  const needle = text.value.trim().toLowerCase();
  let shown = 0;
  for (const c of document.querySelectorAll('.case')) {
    const visible = on.has(c.dataset.verdict)
      && rank[c.dataset.severity || ''] >= min
      && (!needle || c.dataset.text.includes(needle));
    c.hidden = !visible;
    if (visible) shown += 1;
  }
  document.getElementById('shown').textContent = shown;
}
for (const input of [...boxes, severity, text]) input.addEventListener('input', apply);
apply();
"#;

/// The page's style: verdicts and severities coloured, messages in monospace.
const STYLE: &str = r#"
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5em auto; max-width: 1200px; color: #1b1f24; padding: 0 1em; }
h1 { font-size: 1.4em; margin: 0 0 .2em; }
.overall { font-weight: 600; margin: .3em 0 1em; }
table.summary { border-collapse: collapse; margin-bottom: 1em; }
table.summary th, table.summary td { border: 1px solid #d0d7de; padding: .25em .6em; text-align: right; }
table.summary th:first-child, table.summary td:first-child { text-align: left; }
.filters { position: sticky; top: 0; background: #f6f8fa; border: 1px solid #d0d7de; padding: .5em .8em; margin-bottom: .8em; display: flex; flex-wrap: wrap; gap: .4em 1.2em; align-items: center; z-index: 1; }
.filters label { white-space: nowrap; }
.case { border: 1px solid #d0d7de; border-left-width: 6px; border-radius: 4px; margin: .35em 0; }
.case > summary { cursor: pointer; padding: .35em .6em; display: grid; grid-template-columns: 8.5em 5.5em minmax(10em, 17em) 1fr; gap: .8em; align-items: baseline; }
.case[open] > summary { border-bottom: 1px solid #d0d7de; }
.case .id { font-family: ui-monospace, monospace; overflow-wrap: anywhere; }
.case .reason { color: #424a53; }
.body { padding: .5em .9em .9em; }
.badge { font-weight: 700; font-size: .8em; letter-spacing: .03em; text-transform: uppercase; border-radius: 3px; padding: .05em .4em; color: #fff; }
.v-pass { border-left-color: #1a7f37; } .b-pass { background: #1a7f37; }
.v-fail, .v-vulnerable { border-left-color: #cf222e; } .b-fail, .b-vulnerable { background: #cf222e; }
.v-nonstrict { border-left-color: #bc4c00; } .b-nonstrict { background: #bc4c00; }
.v-inconclusive { border-left-color: #9a6700; } .b-inconclusive { background: #9a6700; }
.v-error { border-left-color: #8250df; } .b-error { background: #8250df; }
.v-not-applicable { border-left-color: #8c959f; } .b-not-applicable { background: #8c959f; }
.sev { font-size: .85em; font-weight: 600; }
.s-critical { color: #82071e; } .s-high { color: #cf222e; } .s-medium { color: #bc4c00; } .s-low { color: #9a6700; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15em 1em; margin: 0 0 .6em; }
dl.facts dt { color: #57606a; } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
ol.flow { list-style: none; padding: 0; margin: .4em 0 .8em; display: flex; flex-wrap: wrap; align-items: stretch; gap: .3em; }
ol.flow li { border: 1px solid #d0d7de; border-radius: 4px; padding: .25em .5em; background: #f6f8fa; max-width: 26em; overflow-wrap: anywhere; }
ol.flow li + li::before { content: "→ "; color: #57606a; }
ol.flow li.missing { color: #8c959f; background: #fff; border-style: dashed; }
ol.flow li.bad { background: #ffebe9; border-color: #ff8182; }
details.msg { margin: .3em 0; }
details.msg > summary { cursor: pointer; color: #0969da; }
pre { background: #f6f8fa; border: 1px solid #d0d7de; padding: .5em; overflow: auto; max-height: 32em; font: 12px/1.4 ui-monospace, monospace; margin: .3em 0; }
pre .add { background: #dafbe1; display: block; } pre .del { background: #ffebe9; display: block; } pre .gap { color: #8c959f; display: block; }
.muted { color: #57606a; }
"#;

/// Writes the HTML report of `verdicts` and the run's `notes` to `path`.
pub fn write(path: &Path, verdicts: &[Verdict], notes: &[String]) -> std::io::Result<()> {
    std::fs::write(path, render(verdicts, notes))
}

/// The whole page.
pub fn render(verdicts: &[Verdict], notes: &[String]) -> String {
    let script_hash =
        base64::engine::general_purpose::STANDARD.encode(openssl::sha::sha256(SCRIPT.as_bytes()));
    let mut page = String::new();
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{script_hash}'; img-src data:\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>saml-harness report</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <h1>saml-harness report</h1>\n<p class=\"overall\">{}</p>\n",
        text(&overall(verdicts))
    );
    if !notes.is_empty() {
        page.push_str("<ul class=\"notes\">\n");
        for note in notes {
            let _ = writeln!(page, "<li>note: {}</li>", text(note));
        }
        page.push_str("</ul>\n");
    }
    page.push_str(&summary_table(verdicts));
    page.push_str(&filters(verdicts));
    for (i, v) in verdicts.iter().enumerate() {
        let good = good_response(verdicts, &v.scenario);
        page.push_str(&case(i, v, good));
    }
    let _ = write!(
        page,
        "<p class=\"muted\">saml-harness {}</p>\n<script>{SCRIPT}</script>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
    page
}

/// `s` escaped for HTML text and attribute values, with the characters that would reorder or
/// hide text (bidi overrides, zero-width and no-break spaces, controls) shown as `\u{…}`.
fn text(s: &str) -> String {
    escape(crate::report::printable_lines(s)).into_owned()
}

/// One table row per scenario, one column per verdict that occurred.
fn summary_table(verdicts: &[Verdict]) -> String {
    let mut scenarios: Vec<&str> = Vec::new();
    for v in verdicts {
        if !scenarios.contains(&v.scenario.as_str()) {
            scenarios.push(&v.scenario);
        }
    }
    let columns: Vec<Outcome> = Outcome::ALL
        .into_iter()
        .filter(|o| *o == Outcome::Pass || verdicts.iter().any(|v| v.outcome == *o))
        .collect();
    let mut t = String::from("<table class=\"summary\">\n<tr><th>scenario</th>");
    for o in &columns {
        let _ = write!(t, "<th>{}</th>", o.word());
    }
    t.push_str("</tr>\n");
    for s in scenarios {
        let _ = write!(t, "<tr><td>{}</td>", text(s));
        for o in &columns {
            let n = verdicts
                .iter()
                .filter(|v| v.scenario == s && v.outcome == *o)
                .count();
            let _ = write!(t, "<td>{n}</td>");
        }
        t.push_str("</tr>\n");
    }
    t.push_str("</table>\n");
    t
}

/// The filter bar: a box per verdict (those that did not pass ticked when any exist), the
/// lowest severity, and a text search.
fn filters(verdicts: &[Verdict]) -> String {
    let counts = counts(verdicts);
    let any_bad = verdicts
        .iter()
        .any(|v| !matches!(v.outcome, Outcome::Pass | Outcome::NotApplicable));
    let mut f = String::from("<div class=\"filters\">\n");
    for o in Outcome::ALL {
        let n = counts.get(o.word()).and_then(|n| n.as_u64()).unwrap_or(0);
        if n == 0 {
            continue;
        }
        let checked = !any_bad || !matches!(o, Outcome::Pass | Outcome::NotApplicable);
        let _ = writeln!(
            f,
            "<label><input type=\"checkbox\" name=\"verdict\" value=\"{w}\"{c}> <span class=\"badge b-{w}\">{w}</span> {n}</label>",
            w = o.word(),
            c = if checked { " checked" } else { "" }
        );
    }
    f.push_str(
        "<label>severity at least <select id=\"severity\"><option value=\"\">any</option>\
         <option>low</option><option>medium</option><option>high</option><option>critical</option></select></label>\n\
         <label>find <input id=\"text\" type=\"search\" placeholder=\"id, CVE, text\"></label>\n",
    );
    let _ = writeln!(
        f,
        "<span class=\"muted\"><span id=\"shown\">{}</span> of {} shown</span>\n</div>",
        verdicts.len(),
        verdicts.len()
    );
    f
}

/// The response of `scenario`'s first good login that reached the ACS, if any.
fn good_response<'v>(verdicts: &'v [Verdict], scenario: &str) -> Option<&'v Message> {
    verdicts
        .iter()
        .filter(|v| v.scenario == scenario && v.expect == Expect::Accept)
        .find_map(|v| v.exchange.response.as_ref())
}

/// One case: its summary line, facts, the flow and the messages.
fn case(index: usize, v: &Verdict, good: Option<&Message>) -> String {
    let word = v.outcome.word();
    let severity = v.severity.map_or("", |s| s.name());
    let searchable = [
        v.id.as_str(),
        &v.name,
        &v.reason,
        &v.scenario,
        v.research_id.unwrap_or(""),
        &v.references.join(" "),
    ]
    .join(" ")
    .to_lowercase();
    let mut c = String::new();
    let _ = write!(
        c,
        "<details class=\"case v-{word}\" id=\"case-{index}\" data-verdict=\"{word}\" data-severity=\"{severity}\" data-text=\"{}\">\n\
         <summary><span><span class=\"badge b-{word}\">{word}</span></span><span class=\"sev s-{severity}\">{severity}</span>\
         <span class=\"id\">{}</span><span class=\"reason\">{}</span></summary>\n<div class=\"body\">\n",
        text(&searchable),
        text(&v.id),
        text(&v.reason)
    );
    c.push_str(&facts(v));
    c.push_str(&flow(v));
    let x = &v.exchange;
    if let Some(m) = &x.authn_request {
        c.push_str(&message("AuthnRequest", m, false));
    }
    if let Some(m) = &x.response {
        let forged = v.expect == Expect::Reject;
        c.push_str(&message("SAMLResponse", m, forged));
        match (&x.original, good) {
            (Some(original), _) => c.push_str(&diff(
                original,
                &m.xml,
                "difference from the IdP's signed response it was made from",
            )),
            (None, Some(g)) if forged => c.push_str(&diff(
                &g.xml,
                &m.xml,
                "difference from the good login's response (IDs and times differ in every login)",
            )),
            _ => {}
        }
    }
    let rest: Vec<&String> = v
        .details
        .iter()
        .filter(|d| !d.starts_with("AuthnRequest (") && !d.starts_with("SAMLResponse posted to "))
        .collect();
    if !rest.is_empty() {
        c.push_str("<details class=\"msg\"><summary>more details</summary><pre>");
        for d in rest {
            let _ = writeln!(c, "{}", text(d));
        }
        c.push_str("</pre></details>\n");
    }
    c.push_str("</div>\n</details>\n");
    c
}

/// The case's facts: name, scenario, expectation, identities, references, notes.
fn facts(v: &Verdict) -> String {
    let mut rows: Vec<(&str, String)> = vec![
        ("check", v.name.clone()),
        ("scenario", v.scenario.clone()),
        (
            "expected",
            match v.expect {
                Expect::Accept => "the good login signs the user in".into(),
                Expect::Reject => "nobody signed in (or only the attacker's own identity)".into(),
            },
        ),
    ];
    if let Some(r) = v.research_id.filter(|r| !r.is_empty()) {
        rows.push(("research id", r.to_owned()));
    }
    if let Some(c) = v.capability {
        rows.push(("attacker holds", c.to_owned()));
    }
    if !v.references.is_empty() {
        rows.push(("references", v.references.join("; ")));
    }
    if let Some(f) = &v.forged_identity {
        rows.push(("forged identity", f.clone()));
    }
    rows.push((
        "signed in as",
        v.signed_in_as.clone().unwrap_or_else(|| "nobody".into()),
    ));
    if let Some(e) = &v.expected {
        rows.push(("expected deviation", e.clone()));
    }
    for n in &v.findings {
        rows.push(("note", n.clone()));
    }
    rows.push(("took", format!("{} ms", v.duration.as_millis())));
    let mut d = String::from("<dl class=\"facts\">");
    for (k, val) in rows {
        let _ = write!(d, "<dt>{k}</dt><dd>{}</dd>", text(&val));
    }
    d.push_str("</dl>\n");
    d
}

/// The login as a sequence: SP sign-on → AuthnRequest → IdP → SAMLResponse → ACS → protected
/// page; steps the case never reached are shown dashed.
fn flow(v: &Verdict) -> String {
    let x: &Exchange = &v.exchange;
    let mut steps: Vec<(&str, String)> = Vec::new();
    match &x.authn_request {
        Some(m) => steps.push((
            "",
            format!(
                "SP sign-on sent an AuthnRequest ({}) to {}",
                m.binding, m.to
            ),
        )),
        None => steps.push(("missing", "no AuthnRequest captured".into())),
    }
    match &x.response {
        Some(m) => steps.push((
            "",
            format!(
                "{} posted to the ACS {}",
                if v.expect == Expect::Reject {
                    "the forged SAMLResponse"
                } else {
                    "the IdP's SAMLResponse"
                },
                m.to
            ),
        )),
        None => steps.push(("missing", "nothing posted to the ACS".into())),
    }
    match &x.acs_answer {
        Some(a) => steps.push(("", a.clone())),
        None => steps.push(("missing", "no answer from the ACS recorded".into())),
    }
    if let Some(off) = &x.left_for {
        steps.push(("bad", format!("the browser was sent off the SP to {off}")));
    }
    let breached = matches!(v.outcome, Outcome::Vulnerable | Outcome::Fail);
    steps.push((
        if breached { "bad" } else { "" },
        match &v.signed_in_as {
            Some(who) => format!("protected page: signed in as {who}"),
            None => "protected page: nobody signed in".into(),
        },
    ));
    let mut f = String::from("<ol class=\"flow\">");
    for (class, s) in steps {
        let _ = write!(f, "<li class=\"{class}\">{}</li>", text(&s));
    }
    f.push_str("</ol>\n");
    f
}

/// A message, pretty-printed when it is well-formed, with its raw text one click away.
fn message(what: &str, m: &Message, forged: bool) -> String {
    let label = if forged {
        format!("{what} posted (the forgery)")
    } else {
        what.to_owned()
    };
    let mut s = match pretty(&m.xml) {
        Some(p) => format!(
            "<details class=\"msg\"><summary>{} ({} bytes, indented)</summary><pre>{}</pre></details>\n",
            text(&label),
            m.xml.len(),
            text(&p)
        ),
        None => format!(
            "<details class=\"msg\"><summary>{} ({} bytes, not indented: not well-formed or with a DTD)</summary><pre>{}</pre></details>\n",
            text(&label),
            m.xml.len(),
            text(&m.xml)
        ),
    };
    let _ = writeln!(
        s,
        "<details class=\"msg\"><summary>{} as sent</summary><pre>{}</pre></details>",
        text(what),
        text(&m.xml)
    );
    s
}

/// The forged response against `good`, line by line over the indented forms, under `title`.
fn diff(good: &str, forged: &str, title: &str) -> String {
    let (mut a, mut b) = (
        pretty(good).unwrap_or_else(|| good.to_owned()),
        pretty(forged).unwrap_or_else(|| forged.to_owned()),
    );
    // Indenting drops only whitespace between elements: when that is all that differs, show
    // the documents as sent.
    if a == b && good != forged {
        (a, b) = (good.to_owned(), forged.to_owned());
    }
    let diff = TextDiff::from_lines(&a, &b);
    let mut out = String::new();
    for (i, group) in diff.grouped_ops(2).iter().enumerate() {
        if i > 0 {
            out.push_str("<span class=\"gap\">⋯</span>");
        }
        for op in group {
            for change in diff.iter_changes(op) {
                let (class, sign) = match change.tag() {
                    ChangeTag::Delete => ("del", '-'),
                    ChangeTag::Insert => ("add", '+'),
                    ChangeTag::Equal => ("", ' '),
                };
                let line = change.value().trim_end_matches('\n');
                let _ = write!(
                    out,
                    "<span class=\"{class}\">{sign} {}\n</span>",
                    text(line)
                );
            }
        }
    }
    if out.is_empty() {
        return format!("<p class=\"muted\">{}: none</p>\n", text(title));
    }
    format!(
        "<details class=\"msg\" open><summary>{}</summary><pre>{out}</pre></details>\n",
        text(title)
    )
}

/// `xml` with one element per line where an element holds only elements, each tag's bytes
/// kept as sent and mixed content (text, comments, CDATA) left on its line untouched, so
/// nothing an attack hides in a value is rearranged. `None` when it is not well-formed.
pub fn pretty(xml: &str) -> Option<String> {
    // No DTDs: an SP's (or a forgery's) entities could expand without bound here.
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: 200_000,
    };
    let doc = roxmltree::Document::parse_with_options(xml, options).ok()?;
    let root = doc.root_element();
    let mut out = String::new();
    let prolog = xml.get(..root.range().start)?.trim();
    if !prolog.is_empty() {
        out.push_str(prolog);
        out.push('\n');
    }
    indent(xml, root, 0, &mut out);
    let epilog = xml.get(root.range().end..)?.trim();
    if !epilog.is_empty() {
        out.push_str(epilog);
        out.push('\n');
    }
    Some(out)
}

/// Writes `node` at `depth`, its element children each on their own lines.
fn indent(xml: &str, node: roxmltree::Node, depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    let range = node.range();
    let children: Vec<roxmltree::Node> = node.children().collect();
    let element_only = !children.is_empty()
        && children.iter().all(|c| {
            c.is_element()
                || (c.is_text()
                    && c.text().is_some_and(|t| {
                        t.chars().all(|ch| matches!(ch, ' ' | '\t' | '\r' | '\n'))
                    }))
        })
        && children.iter().any(|c| c.is_element());
    // Children must lie inside the element, in order, for its tags to be cut out (entity
    // expansions from a DTD do not).
    let ordered = children
        .windows(2)
        .all(|w| w[0].range().end <= w[1].range().start)
        && children
            .iter()
            .all(|c| c.range().start >= range.start && c.range().end <= range.end);
    let tags = children.first().zip(children.last()).and_then(|(f, l)| {
        Some((
            xml.get(range.start..f.range().start)?,
            xml.get(l.range().end..range.end)?,
        ))
    });
    match (element_only && ordered, tags) {
        (true, Some((open, close))) => {
            let _ = writeln!(out, "{pad}{open}");
            for c in children.iter().filter(|c| c.is_element()) {
                indent(xml, *c, depth + 1, out);
            }
            let _ = writeln!(out, "{pad}{close}");
        }
        _ => {
            let _ = writeln!(out, "{pad}{}", xml.get(range).unwrap_or_default());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indenting_keeps_every_tag_and_every_mixed_value_as_sent() {
        let xml =
            "<?xml version=\"1.0\"?><a x='1'><b><c>admin<!---->@evil</c><d/></b>\n  <e>t</e></a>";
        assert_eq!(
            pretty(xml).unwrap(),
            "<?xml version=\"1.0\"?>\n<a x='1'>\n  <b>\n    <c>admin<!---->@evil</c>\n    <d/>\n  </b>\n  <e>t</e>\n</a>\n"
        );
        assert_eq!(pretty("<a><b>"), None);
        // A no-break space between elements is content, not indentation.
        assert!(pretty("<a>\u{a0}<b/></a>").unwrap().contains('\u{a0}'));
        // Entities from a DTD are not expanded here.
        assert_eq!(pretty("<!DOCTYPE a [<!ENTITY e 'x'>]><a>&e;</a>"), None);
        // When only whitespace between elements differs, the diff shows the bytes as sent.
        assert!(diff("<a><b/></a>", "<a> <b/></a>", "t").contains("add"));
    }

    #[test]
    fn what_the_sp_answered_cannot_run_in_the_page() {
        let mut v = crate::fuzz::placeholder_verdict();
        v.id = "x/<script>alert(1)</script>".into();
        v.reason = "ACS answered 200 <img src=x onerror=alert(1)>".into();
        v.exchange.acs_answer = Some("</pre><script>alert(2)</script>".into());
        v.exchange.response = Some(Message {
            binding: "POST".into(),
            to: "http://127.0.0.1/acs\"><script>".into(),
            xml: "<a>]]></pre><script>x</script></a>".into(),
        });
        v.name = "\"><svg onload=alert(3)> \u{202e}gpj.exe".into();
        let page = render(&[v], &[]);
        assert_eq!(page.matches("<script").count(), 1, "{page}");
        assert!(!page.contains("<img") && !page.contains("<svg"), "{page}");
        assert!(
            !page.contains('\u{202e}'),
            "a bidi override is shown, not obeyed"
        );
    }
}
