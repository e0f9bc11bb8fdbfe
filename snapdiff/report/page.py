"""One self-contained HTML page: inline CSS, inline JS, inline SVG, the table data as inline
JSON. Nothing is fetched: a Content-Security-Policy forbids every network load, so the page
opens the same on an air-gapped host or attached to a ticket.

Everything that comes from Azure is escaped where it is written: ``html.escape`` in markup,
JSON with ``<``, ``>`` and ``&`` as ``\\u003c`` escapes in the data block, and the script
writes cells with ``textContent`` only (never ``innerHTML``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html import escape
from typing import Any

GENERATOR = "snapdiff report"  # marks a page `snapdiff report` may overwrite
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "img-src data:; connect-src 'none'; font-src 'none'; form-action 'none'; base-uri 'none'"
)


INTERNED = frozenset({"section", "change", "type", "group", "principal", "caps"})


@dataclass
class Column:
    key: str
    label: str
    kind: str = "text"  # text, id, cia, num, graph, flag
    hidden: bool = False  # in the data (for filters, hover) but not a column


@dataclass
class Table:
    id: str
    title: str
    columns: list[Column]
    rows: list[list[Any]]
    note: str = ""
    page_size: int = 50

    def data(self) -> dict[str, Any]:
        """The table as the page's script reads it, compacted: repeated strings (section,
        type, group, ...) as indexes into ``strings``, and an ARM id as [index of its parent
        path, its last segment], or [index] when that segment is the row's name. The script
        expands them back once, when the page loads."""
        strings: dict[str, int] = {}

        def intern(v: str) -> int:
            got = strings.get(v)
            if got is None:
                got = strings[v] = len(strings)
            return got

        keys = [c.key for c in self.columns]
        name_at = keys.index("name") if "name" in keys else None
        packed_cols = [i for i, c in enumerate(self.columns) if c.key in INTERNED]
        id_cols = [i for i, c in enumerate(self.columns) if c.kind == "id"]
        rows = []
        for row in self.rows:
            r = list(row)
            for i in packed_cols:
                if isinstance(r[i], str):
                    r[i] = intern(r[i])
            for i in id_cols:
                v = r[i]
                if isinstance(v, str) and "/" in v:
                    parent, tail = v.rsplit("/", 1)
                    same = name_at is not None and tail == r[name_at]
                    r[i] = [intern(parent)] if same else [intern(parent), tail]
            rows.append(r)
        return {
            "id": self.id,
            "columns": [
                {
                    "key": c.key,
                    "label": c.label,
                    "kind": c.kind,
                    "hidden": c.hidden,
                    "packed": i in packed_cols,
                }
                for i, c in enumerate(self.columns)
            ],
            "rows": rows,
            "strings": list(strings),
            "pageSize": self.page_size,
        }


@dataclass
class Figure:
    id: str
    caption: str
    svg: str  # already escaped markup from graph.svg / trend.svg


@dataclass
class Page:
    title: str
    subtitle: list[str] = field(default_factory=list)  # plain text lines
    notes: list[str] = field(default_factory=list)  # coverage and "not compared", plain text
    summary_head: list[str] = field(default_factory=list)
    summary: list[list[str]] = field(default_factory=list)  # plain text cells
    trend: str = ""  # SVG markup
    figures: list[Figure] = field(default_factory=list)
    figures_note: str = ""
    tables: list[Table] = field(default_factory=list)


def json_for_script(obj: Any) -> str:
    """JSON that cannot close its ``<script>`` element nor open a comment in it."""
    s = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return (
        s.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def render(p: Page) -> str:
    e = escape
    out = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="{GENERATOR}">',
        f"<title>{e(p.title)}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<header><h1>{e(p.title)}</h1>",
    ]
    out += [f'<p class="sub">{e(line)}</p>' for line in p.subtitle]
    out.append("</header><main>")
    if p.notes:
        out.append('<section id="notes" class="notes"><h2>Coverage and not compared</h2><ul>')
        out += [f"<li>{e(n)}</li>" for n in p.notes]
        out.append("</ul></section>")
    if p.summary:
        out.append('<section id="summary"><h2>Summary</h2><table class="summary"><thead><tr>')
        out += [f"<th>{e(h)}</th>" for h in p.summary_head]
        out.append("</tr></thead><tbody>")
        for row in p.summary:
            out.append(
                "<tr>"
                + "".join(f'<td data-col="{i}">{e(c)}</td>' for i, c in enumerate(row))
                + "</tr>"
            )
        out.append("</tbody></table></section>")
    if p.trend:
        out.append(f'<section id="trend"><h2>Week by week</h2>{p.trend}</section>')
    if p.figures or p.figures_note:
        out.append(f'<section id="paths"><h2>Paths ({len(p.figures)})</h2>')
        if p.figures_note:
            out.append(f'<p class="note">{e(p.figures_note)}</p>')
        for i, f in enumerate(p.figures):
            opened = " open" if i < 6 else ""
            out.append(
                f'<details class="figure" id="{e(f.id)}"{opened}><summary>{e(f.caption)}</summary>'
                f'<div class="svgwrap">{f.svg}</div></details>'
            )
        out.append("</section>")
    for t in p.tables:
        out.append(
            f'<section class="tablesec"><h2>{e(t.title)} (<span class="count">{len(t.rows)}</span>)</h2>'
        )
        if t.note:
            out.append(f'<p class="note">{e(t.note)}</p>')
        out.append(f'<div class="table" data-table="{e(t.id)}"></div></section>')
    data = {"tables": [t.data() for t in p.tables]}
    out.append(f'<script type="application/json" id="report-data">{json_for_script(data)}</script>')
    out.append(f"<script>{JS}</script>")
    out.append("</main></body></html>")
    return "\n".join(out) + "\n"


CSS = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#202124;background:#fafafa}
header{background:#1f3a5f;color:#fff;padding:12px 24px}header h1{margin:0 0 4px;font-size:20px}
.sub{margin:0;opacity:.85;font-size:13px}main{padding:8px 24px 40px}
h2{font-size:16px;margin:20px 0 8px}
table{border-collapse:collapse;background:#fff;width:100%}
th,td{border:1px solid #e0e0e0;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f1f3f4;position:sticky;top:0;cursor:pointer;user-select:none;white-space:nowrap}
th.sorted-asc::after{content:" ▲"}th.sorted-desc::after{content:" ▼"}
table.summary{width:auto}table.summary th{cursor:default}
.notes{background:#fff8e1;border:1px solid #f9ab00;padding:4px 12px;border-radius:4px}
.notes ul{margin:4px 0;padding-left:20px}
.controls{display:flex;flex-wrap:wrap;gap:8px;margin:6px 0;align-items:center}
.controls input[type=search]{min-width:220px}
.controls label{font-size:12px;color:#5f6368}.controls select{max-width:240px}
table.data{font-size:13px}table.data td{overflow-wrap:break-word}
td.c-name{min-width:200px}td.c-principal{min-width:170px;max-width:260px}td.c-group{max-width:200px}
td.id{font:11px ui-monospace,monospace;color:#5f6368;max-width:140px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
td.c-detail{min-width:260px;max-width:440px}td.c-detail details summary{cursor:pointer;color:#1a73e8}
.cia{font:12px ui-monospace,monospace;white-space:nowrap}.hot{color:#d93025;font-weight:600}
.pager{margin:6px 0;display:flex;gap:8px;align-items:center}
.figure{background:#fff;border:1px solid #e0e0e0;border-radius:4px;margin:6px 0;padding:4px 8px}
.figure summary{cursor:pointer;font-weight:600}.svgwrap{overflow-x:auto}
.note{color:#5f6368;font-size:13px}tr.hidden{display:none}
.priv{color:#d93025;font-weight:600}
"""

JS = r"""
(function(){
"use strict";
var data=JSON.parse(document.getElementById("report-data").textContent);
function el(tag,attrs,text){var n=document.createElement(tag);if(attrs){for(var k in attrs){n.setAttribute(k,attrs[k]);}}if(text!==undefined&&text!==null){n.textContent=String(text);}return n;}
function ciaText(c){return c?("C"+c[0]+" I"+c[1]+" A"+c[2]):"untagged";}
function ciaKey(c){return c?(c[0]*10000+c[1]*100+c[2]):-1;}
function distinct(rows,i){var s={};rows.forEach(function(r){var v=r[i];if(v){String(v).split(", ").forEach(function(x){if(x&&x!=="…")s[x]=1;});}});return Object.keys(s).sort();}
data.tables.forEach(function(t){
  var host=document.querySelector('[data-table="'+t.id+'"]');if(!host)return;
  var cols=t.columns,idx={};cols.forEach(function(c,i){idx[c.key]=i;});
  var S=t.strings||[];t.rows.forEach(function(r){cols.forEach(function(c,i){var v=r[i];
    if(c.packed&&typeof v==="number"){r[i]=S[v];}
    else if(c.kind==="id"&&Array.isArray(v)){r[i]=S[v[0]]+"/"+(v.length>1?v[1]:r[idx.name]);}});});
  var st={q:"",section:"",group:"",principal:"",minc:-1,priv:false,sort:-1,dir:1,page:0};
  var controls=el("div",{"class":"controls"});host.appendChild(controls);
  var q=el("input",{type:"search",placeholder:"filter: any text","aria-label":"free text filter","class":"f-text"});
  q.addEventListener("input",function(){st.q=q.value.toLowerCase();st.page=0;draw();});controls.appendChild(q);
  function select(key,label){if(!(key in idx))return;var vals=distinct(t.rows,idx[key]);if(vals.length<2)return;
    var lab=el("label",null,label+" ");var s=el("select",{"class":"f-"+key,"aria-label":label});s.appendChild(el("option",{value:""},"all"));
    vals.forEach(function(v){s.appendChild(el("option",{value:v},v));});
    s.addEventListener("change",function(){st[key]=s.value;st.page=0;draw();});lab.appendChild(s);controls.appendChild(lab);}
  select("section","section");select("group","resource group");select("principal","principal");
  if("cia" in idx){var lab=el("label",null,"C at least ");var s=el("select",{"class":"f-minc","aria-label":"minimum C"});
    s.appendChild(el("option",{value:"-1"},"any"));for(var i=0;i<=10;i++){s.appendChild(el("option",{value:String(i)},String(i)));}
    s.addEventListener("change",function(){st.minc=parseInt(s.value,10);st.page=0;draw();});lab.appendChild(s);controls.appendChild(lab);}
  if("privileged" in idx){var lp=el("label",null," privileged only");var cb=el("input",{type:"checkbox","class":"f-priv"});
    cb.addEventListener("change",function(){st.priv=cb.checked;st.page=0;draw();});lp.insertBefore(cb,lp.firstChild);controls.appendChild(lp);}
  var shown=el("span",{"class":"shown"});controls.appendChild(shown);
  var table=el("table",{"class":"data"});var thead=el("thead");var htr=el("tr");var visible=[];
  cols.forEach(function(c,i){if(c.hidden)return;visible.push(i);var th=el("th",{"data-key":c.key,title:"sort"},c.label);
    th.addEventListener("click",function(){if(st.sort===i){st.dir=-st.dir;}else{st.sort=i;st.dir=(c.kind==="cia"||c.kind==="num"||c.kind==="flag")?-1:1;}draw();});htr.appendChild(th);});
  thead.appendChild(htr);table.appendChild(thead);var tbody=el("tbody");table.appendChild(tbody);host.appendChild(table);
  var pager=el("div",{"class":"pager"});var prev=el("button",{type:"button","class":"prev"},"◀ previous");var next=el("button",{type:"button","class":"next"},"next ▶");var info=el("span",{"class":"pageinfo"});
  prev.addEventListener("click",function(){if(st.page>0){st.page--;draw();}});next.addEventListener("click",function(){st.page++;draw();});
  pager.appendChild(prev);pager.appendChild(info);pager.appendChild(next);host.appendChild(pager);
  var text=t.rows.map(function(r){return r.map(function(v){return v===null?"":(Array.isArray(v)?ciaText(v):String(v));}).join("\u0001").toLowerCase();});
  function keep(r,n){
    if(st.section&&r[idx.section]!==st.section)return false;
    if(st.group&&String(r[idx.group]||"").split(", ").indexOf(st.group)<0)return false;
    if(st.principal&&r[idx.principal]!==st.principal)return false;
    if(st.minc>=0){var c=r[idx.cia];if(!c||c[0]<st.minc)return false;}
    if(st.priv&&!r[idx.privileged])return false;
    if(st.q&&text[n].indexOf(st.q)<0)return false;return true;}
  function cmp(a,b){var i=st.sort,x=a[i],y=b[i],k=cols[i].kind;
    if(k==="cia"){x=ciaKey(x);y=ciaKey(y);}else if(k==="num"||k==="flag"){x=+x||0;y=+y||0;}else{x=String(x||"").toLowerCase();y=String(y||"").toLowerCase();}
    return x<y?-st.dir:x>y?st.dir:0;}
  function cell(r,i){var c=cols[i],v=r[i],td=el("td",{"class":c.kind+" c-"+c.key});
    if(c.kind==="cia"){var sp=el("span",{"class":"cia"+(v&&v[0]>=8?" hot":"")},ciaText(v));td.appendChild(sp);}
    else if(c.kind==="graph"){if(v){td.appendChild(el("a",{href:"#"+v},"path"));}}
    else if(c.kind==="flag"){if(v){td.appendChild(el("span",{"class":"priv"},"yes"));}}
    else if(c.key==="name"&&("id" in idx)&&r[idx.id]){td.textContent=String(v);td.title=String(r[idx.id]);}
    else if(c.key==="detail"&&v&&String(v).length>160){var d=el("details");d.appendChild(el("summary",null,String(v).slice(0,140)+"…"));d.appendChild(el("div",null,v));td.appendChild(d);}
    else if(c.key==="principal"&&v){var full=String(v),i=full.indexOf(" (");td.textContent=i>0?full.slice(0,i):full;td.title=full;}
    else if(c.kind==="id"){td.textContent=v===null?"":String(v);td.title=td.textContent;}
    else{td.textContent=v===null||v===undefined?"":String(v);}
    return td;}
  function draw(){var rows=[];for(var n=0;n<t.rows.length;n++){if(keep(t.rows[n],n))rows.push(t.rows[n]);}
    if(st.sort>=0){rows=rows.slice().sort(cmp);}
    Array.prototype.forEach.call(htr.children,function(th,j){th.className=(visible[j]===st.sort)?(st.dir>0?"sorted-asc":"sorted-desc"):"";});
    var pages=Math.max(1,Math.ceil(rows.length/t.pageSize));if(st.page>=pages)st.page=pages-1;
    var start=st.page*t.pageSize,slice=rows.slice(start,start+t.pageSize);
    while(tbody.firstChild)tbody.removeChild(tbody.firstChild);
    slice.forEach(function(r){var tr=el("tr");visible.forEach(function(i){tr.appendChild(cell(r,i));});tbody.appendChild(tr);});
    shown.textContent=rows.length+" of "+t.rows.length+" shown";info.textContent="page "+(st.page+1)+" of "+pages;
    prev.disabled=st.page===0;next.disabled=st.page>=pages-1;pager.style.display=pages>1?"flex":"none";}
  draw();
});
})();
"""
