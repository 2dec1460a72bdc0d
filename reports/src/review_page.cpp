// The review page's HTML: one self-contained file (no network, no fonts or
// scripts from elsewhere), text in each language marked with its lang and
// direction so Arabic and Hebrew read right to left, fonts a Debian desktop
// has (Noto, DejaVu), and a keyboard path through the items:
// j / k next / previous item, 1-4 a verdict, 0 none, c the comment.
#include <sstream>

#include "reports/render.h"
#include "reports/review.h"

namespace reports {
namespace {

using json = nlohmann::json;

const char* const item_verdict_names[] = {"model_error", "data_error", "ambiguous", "fine"};

const char* const style =
    "body{font-family:system-ui,'Noto Sans','DejaVu Sans',sans-serif;margin:2em;max-width:1300px;color:#222}"
    ".text{font-family:'Noto Sans','Noto Sans Thai','Garuda','Loma','Noto Naskh Arabic','Noto Sans Arabic',"
    "'Noto Sans Hebrew','Noto Sans Devanagari','Noto Sans CJK SC','DejaVu "
    "Sans',sans-serif;white-space:pre-wrap;overflow-wrap:anywhere}"
    "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px;vertical-align:top}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}tr.REGRESSION{background:#fdd}tr.improvement{"
    "background:#dfd}section.lang{border-top:2px solid #999;margin-top:1.5em}.flag{color:#b00;font-weight:bold}"
    ".verdict{background:#eef;padding:.3em .6em}"
    "article.item{border:1px solid #ccc;border-radius:4px;margin:.6em 0;padding:.4em .8em}"
    "article.item:focus{outline:3px solid #36c}article.broke{border-left:6px solid #c33}"
    "article.fixed{border-left:6px solid #3a3}ol.choices li.gold{font-weight:bold}"
    ".pick{font-size:.85em;color:#555;margin-inline-start:.8em}.keys{background:#f6f6f6;padding:.4em .6em}";

std::string esc(const std::string& s) { return html_escape(s); }

// The attributes of an element holding text in `language`.
std::string text_attrs(const std::string& language) {
    return " class=\"text\" lang=\"" + esc(bcp47_tag(language)) + "\" dir=\"" + text_direction(language) + "\"";
}

// A <script type="application/json"> body: "</" cannot end the element early.
std::string script_json(const json& j) {
    std::string s = j.dump();
    for (std::size_t at = 0; (at = s.find("</", at)) != std::string::npos; at += 3) s.replace(at, 2, "<\\/");
    return s;
}

// The verdict control of an item, keyed (task, doc_hash); data-* carry what
// the saved line records.
void item_controls(std::ostringstream& h, const std::string& task, const std::string& doc_hash,
                   const std::string& language, const std::string& model, std::int64_t doc_id,
                   const item_verdicts& verdicts) {
    const auto v = verdicts.find({task, doc_hash});
    const std::string current = v == verdicts.end() ? "" : v->second.verdict;
    h << "<p class=\"controls\" data-task=\"" << esc(task) << "\" data-hash=\"" << esc(doc_hash) << "\" data-lang=\""
      << esc(language) << "\" data-model=\"" << esc(model) << "\" data-doc-id=\"" << doc_id
      << "\"><label>Verdict <select class=\"item-verdict\"><option value=\"\"></option>";
    for (const char* name : item_verdict_names)
        h << "<option" << (current == name ? " selected" : "") << ">" << name << "</option>";
    h << "</select></label> <label>comment <input class=\"item-comment\" size=50 value=\""
      << esc(v == verdicts.end() ? "" : v->second.comment) << "\"></label>";
    if (v != verdicts.end() && !v->second.reviewer.empty())
        h << " <span class=pick>(" << esc(v->second.reviewer) << ", " << esc(v->second.date) << ")</span>";
    h << "</p>\n";
}

std::string pick_text(const item_pick& p, bool lambada) {
    if (lambada)
        return std::string(p.correct ? "greedy: the target ✓" : "greedy: another word ✗") + ", log p " +
               format_number(p.margin, 3);
    return "choice " + std::to_string(p.pick + 1) + (p.correct ? " ✓" : " ✗") + ", margin " +
           format_number(p.margin, 3) + " nats";
}

void flipped_html(std::ostringstream& h, const review_language& l, const item_verdicts& verdicts) {
    if (l.flipped.empty()) return;
    h << "<h3>Items that flipped (" << l.flipped.size() << ")</h3>\n";
    for (const flipped_item& f : l.flipped) {
        const bool broke = f.base.correct && !f.now.correct;
        const bool lambada = f.choices.size() == 1;
        h << "<article class=\"item " << (broke ? "broke" : "fixed") << "\" tabindex=\"0\"><p><b>"
          << (broke ? "broke" : "fixed") << "</b> · " << esc(f.task) << " #" << f.doc_id << " · " << esc(f.model)
          << "</p>\n";
        if (!f.prompt.empty()) h << "<p" << text_attrs(l.language) << ">" << esc(f.prompt) << "</p>\n";
        h << "<ol class=\"choices\">";
        for (std::size_t i = 0; i < f.choices.size(); ++i) {
            const int c = static_cast<int>(i);
            h << "<li" << (c == f.gold ? " class=\"gold\"" : "") << "><span" << text_attrs(l.language) << ">"
              << esc(f.choices[i]) << "</span>" << (c == f.gold ? " <span class=pick>(gold)</span>" : "");
            if (!lambada && f.base.pick == c) h << " <span class=pick>← base</span>";
            if (!lambada && f.now.pick == c) h << " <span class=pick>← new</span>";
            h << "</li>";
        }
        h << "</ol>\n<p>Base: " << pick_text(f.base, lambada) << " · New: " << pick_text(f.now, lambada) << "</p>\n";
        item_controls(h, f.task, f.doc_hash, l.language, f.model, f.doc_id, verdicts);
        h << "</article>\n";
    }
}

void lines_html(std::ostringstream& h, const review_language& l, const item_verdicts& verdicts) {
    if (l.lines.empty()) return;
    h << "<h3>Lines whose bits per byte changed most</h3>\n";
    for (const changed_line& c : l.lines) {
        h << "<article class=\"item\" tabindex=\"0\"><p>" << esc(c.task) << " #" << c.doc_id << " · " << esc(c.model)
          << " · bits per byte " << format_number(c.base_bpb) << " → " << format_number(c.new_bpb) << " ("
          << (c.new_bpb >= c.base_bpb ? "+" : "") << format_number(c.new_bpb - c.base_bpb, 3) << ")</p>\n<p"
          << text_attrs(l.language) << ">" << esc(c.text) << "</p>\n";
        item_controls(h, c.task, c.doc_hash, l.language, c.model, c.doc_id, verdicts);
        h << "</article>\n";
    }
}

void metrics_html(std::ostringstream& h, const review_language& l) {
    if (l.rows.empty()) return;
    h << "<table><tr><th>Task</th><th>Model</th><th>Metric</th><th>↑↓</th><th>Base</th><th>New</th><th>Δ</th>"
         "<th>Evidence</th><th>Status</th></tr>\n";
    for (const comparison_row& r : l.rows)
        h << "<tr class=\"" << esc(to_string(r.status)) << "\"><td>" << esc(r.task) << "</td><td>" << esc(r.model)
          << "</td><td>" << esc(r.metric) << "</td><td>" << (r.higher_is_better ? "↑" : "↓") << "</td><td class=n>"
          << format_number(r.base) << " ± " << format_number(r.base_stderr, 2) << "</td><td class=n>"
          << format_number(r.now) << " ± " << format_number(r.now_stderr, 2) << "</td><td class=n>"
          << format_number(r.now - r.base, 3) << "</td><td>" << esc(evidence_text(r)) << "</td><td>"
          << esc(to_string(r.status)) << "</td></tr>\n";
    h << "</table>\n";
}

void continuations_html(std::ostringstream& h, const review_language& l) {
    if (l.samples.empty()) return;
    h << "<h3>Greedy continuations</h3>\n<table><tr><th>Task / model</th><th>Prompt</th><th>Base</th><th>New</th>"
         "</tr>\n";
    for (const review_sample& s : l.samples)
        h << "<tr><td>" << esc(s.task) << "<br>" << esc(s.model) << "</td><td" << text_attrs(l.language) << ">"
          << esc(s.prompt) << "</td><td" << text_attrs(l.language) << ">" << esc(s.base_continuation) << "</td><td"
          << text_attrs(l.language) << ">" << esc(s.new_continuation) << "</td></tr>\n";
    h << "</table>\n";
}

// The form's logic: the page's choices over the verdicts it was rendered
// with, downloaded as files (nothing leaves the machine), and the keys.
const char* const script = R"JS(
const $ = (q, root) => (root || document).querySelector(q);
const $$ = (q, root) => Array.from((root || document).querySelectorAll(q));
const today = () => new Date().toISOString().slice(0, 10);
function download(name, text) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], {type: 'application/octet-stream'}));
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
}
function languageVerdicts() {
  const v = JSON.parse($('#verdicts').textContent);
  const who = $('#reviewer').value;
  $$('select[name=verdict]').forEach(s => {
    const lang = s.dataset.lang;
    const comment = $('input[name=comment][data-lang="' + CSS.escape(lang) + '"]').value;
    if (!s.value) { delete v[lang]; return; }
    const old = v[lang] || {};
    const changed = old.verdict !== s.value || old.comment !== comment;
    v[lang] = {verdict: s.value, comment: comment, reviewer: changed ? who : old.reviewer,
               date: changed ? today() : old.date};
  });
  return JSON.stringify(v, null, 2) + '\n';
}
function itemVerdicts() {
  // Verdicts on items this page does not show are kept as they were.
  const v = new Map(JSON.parse($('#item-verdicts').textContent).map(x => [x.task + '\u0000' + x.doc_hash, x]));
  const who = $('#reviewer').value;
  $$('p.controls').forEach(p => {
    const key = p.dataset.task + '\u0000' + p.dataset.hash;
    const verdict = $('.item-verdict', p).value, comment = $('.item-comment', p).value;
    if (!verdict) { v.delete(key); return; }
    const old = v.get(key) || {};
    const changed = old.verdict !== verdict || old.comment !== comment;
    v.set(key, {task: p.dataset.task, doc_hash: p.dataset.hash, verdict: verdict, comment: comment,
                reviewer: changed ? who : old.reviewer, date: changed ? today() : old.date,
                language: p.dataset.lang, model: p.dataset.model, doc_id: Number(p.dataset.docId)});
  });
  return Array.from(v.keys()).sort().map(k => JSON.stringify(v.get(k)) + '\n').join('');
}
$('#save').onclick = () => download('verdicts.json', languageVerdicts());
$('#save-items').onclick = () => download('item_verdicts.jsonl', itemVerdicts());
const names = ['', 'model_error', 'data_error', 'ambiguous', 'fine'];
document.addEventListener('keydown', e => {
  if (e.ctrlKey || e.metaKey || e.altKey || /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(e.target.tagName)) return;
  const items = $$('article.item');
  const at = items.indexOf(document.activeElement.closest ? document.activeElement.closest('article.item') : null);
  if (e.key === 'j' || e.key === 'k') {
    const next = items[Math.max(0, Math.min(items.length - 1, at + (e.key === 'j' ? 1 : -1)))];
    if (next) { next.focus(); next.scrollIntoView({block: 'center'}); }
    e.preventDefault();
  } else if (at >= 0 && e.key >= '0' && e.key <= '4') {
    $('.item-verdict', items[at]).value = names[Number(e.key)] || '';
    e.preventDefault();
  } else if (at >= 0 && e.key === 'c') {
    $('.item-comment', items[at]).focus();
    e.preventDefault();
  }
});
)JS";

}  // namespace

std::string review_page_html(const run_report& base, const run_report& now, const review& r,
                             const std::map<std::string, language_verdict>& verdicts, const item_verdicts& items,
                             const std::string& verdicts_path, const std::string& item_verdicts_path) {
    std::ostringstream h;
    h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>rwkvbench review</title><style>"
      << style << "</style></head><body>\n<h1>Multilingual review</h1>\n<p>Base: <code>" << esc(base.path)
      << "</code> (" << esc(base.context.date) << ", " << esc(base.context.git_commit) << ")<br>New: <code>"
      << esc(now.path) << "</code> (" << esc(now.context.date) << ", " << esc(now.context.git_commit)
      << ")</p>\n<p>Languages come most significant regression first. A change is flagged when it goes the bad "
         "way beyond its threshold and is significant: paired tests on the examples both runs scored "
         "(Holm-adjusted), else more than 2 standard errors of the difference. Verdicts: <code>"
      << esc(verdicts_path) << "</code> (languages) and <code>" << esc(item_verdicts_path)
      << "</code> (items).</p>\n<p class=keys>Keys: <kbd>j</kbd> / <kbd>k</kbd> next / previous item, "
         "<kbd>1</kbd> model_error, <kbd>2</kbd> data_error, <kbd>3</kbd> ambiguous, <kbd>4</kbd> fine, <kbd>0</kbd> "
         "none, <kbd>c</kbd> comment.</p>\n<nav>";
    for (const review_language& l : r.languages)
        h << "<a href=\"#" << esc(l.language) << "\">" << esc(l.language) << "</a>" << (l.flagged() ? "⚠" : "") << " ";
    h << "</nav>\n<form id=\"verdicts-form\" onsubmit=\"return false\">\n";
    for (const review_language& l : r.languages) {
        const std::string id = esc(l.language);
        h << "<section class=\"lang\" id=\"" << id << "\"><h2>" << id
          << (l.flagged() ? " <span class=flag>regression</span>" : "") << "</h2>\n";
        const auto v = verdicts.find(l.language);
        if (v != verdicts.end())
            h << "<p class=verdict>Verdict: <b>" << esc(v->second.verdict) << "</b> — <span" << text_attrs(l.language)
              << ">" << esc(v->second.comment) << "</span> (" << esc(v->second.reviewer) << ", " << esc(v->second.date)
              << ")</p>\n";
        metrics_html(h, l);
        flipped_html(h, l, items);
        lines_html(h, l, items);
        continuations_html(h, l);
        const std::string current = v == verdicts.end() ? "" : v->second.verdict;
        h << "<p><label>Your verdict on " << id << " <select name=\"verdict\" data-lang=\"" << id
          << "\"><option value=\"\"></option>";
        for (const char* opt : {"better", "same", "worse"})
            h << "<option" << (current == opt ? " selected" : "") << ">" << opt << "</option>";
        h << "</select></label> <label>comment <input name=\"comment\" data-lang=\"" << id << "\" size=60 value=\""
          << esc(v == verdicts.end() ? "" : v->second.comment) << "\"></label></p></section>\n";
    }
    json item_list = json::array();
    for (const auto& [key, x] : items) item_list.push_back(to_json(x));
    h << "<p><label>Reviewer <input id=\"reviewer\" size=20></label> <button type=\"button\" id=\"save\">Download "
         "verdicts.json</button> <button type=\"button\" id=\"save-items\">Download item_verdicts.jsonl</button> "
         "(save them in this folder and run <code>rwkvbench review</code> again)</p></form>\n"
         "<script type=\"application/json\" id=\"verdicts\">"
      << script_json(verdicts_to_json(verdicts)) << "</script>\n<script type=\"application/json\" id=\"item-verdicts\">"
      << script_json(item_list) << "</script>\n<script>" << script << "</script>\n</body></html>\n";
    return h.str();
}

}  // namespace reports
