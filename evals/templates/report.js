"use strict";
(function () {
  const DATA = JSON.parse(document.getElementById("data").textContent);
  const STR = DATA.strings, PROBLEMS = DATA.problems, CMP = DATA.compare;
  const byIndex = new Map(PROBLEMS.map((p) => [p.i, p]));
  const $ = (id) => document.getElementById(id);
  const S = (i) => (i >= 0 ? STR[i] : "");
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  const verdict = (v) => (v ? `<span class="verdict ${esc(v)}" data-verdict="${esc(v)}">${esc(v)}</span>` : "–");
  const outcomeB = (p) => (CMP ? CMP.b[p.id] : undefined);

  function flags(p) {
    const out = [];
    if (p.to) out.push("timed out");
    if (p.inc) out.push("inconsistent");
    for (const c of p.c) out.push(c);
    return out.map((f) => `<span class="flag">${esc(f)}</span>`).join("");
  }
  function votes(p) {
    if (!p.vote) return "";
    return Object.entries(p.vote.votes).map(([v, n]) => `${esc(v)} ${n}`).join(", ") + (p.vote.tie ? " (tie)" : "");
  }

  // ------------------------------------------------------------ filters
  function fillSelect(id, values) {
    const el = $(id);
    for (const v of values) {
      const o = document.createElement("option");
      o.value = o.textContent = String(v);
      el.appendChild(o);
    }
  }
  const uniq = (xs) => [...new Set(xs.filter((x) => x !== null && x !== undefined))].sort();
  fillSelect("f-gold", uniq(PROBLEMS.map((p) => p.g)));
  fillSelect("f-pred", uniq(PROBLEMS.map((p) => p.p)));
  fillSelect("f-cause", uniq(PROBLEMS.flatMap((p) => p.c)));
  fillSelect("f-depth", uniq(PROBLEMS.map((p) => p.d)).sort((a, b) => a - b));
  if (!PROBLEMS.some((p) => p.d !== null)) $("f-depth").parentElement.hidden = true;

  const haystacks = new Map();
  function haystack(p) {
    let h = haystacks.get(p.i);
    if (h === undefined) {
      const parts = [p.id, ...p.s.map(S)];
      for (const s of p.sm) if (s.f) for (const row of s.f) parts.push(S(row[1]));
      h = parts.join("\n").toLowerCase();
      haystacks.set(p.i, h);
    }
    return h;
  }

  function filtered() {
    const result = $("f-result").value, gold = $("f-gold").value, pred = $("f-pred").value;
    const cause = $("f-cause").value, depth = $("f-depth").value;
    const timeout = $("f-timeout").checked, inconsistent = $("f-inconsistent").checked;
    const words = $("f-search").value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    return PROBLEMS.filter((p) =>
      (!result || (result === "right") === p.ok) &&
      (!gold || p.g === gold) && (!pred || p.p === pred) &&
      (!cause || p.c.includes(cause)) && (!depth || String(p.d) === depth) &&
      (!timeout || p.to) && (!inconsistent || p.inc) &&
      words.every((w) => haystack(p).includes(w)));
  }

  function renderTable() {
    const rows = filtered();
    $("problem-table").tBodies[0].innerHTML = rows.map((p) => {
      const b = outcomeB(p);
      const bCell = CMP ? `<td>${b ? verdict(b.p) + (b.ok ? ' <span class="ok">✓</span>' : ' <span class="bad">✗</span>') : "–"}</td>` : "";
      return `<tr data-index="${p.i}" tabindex="0" class="${p.ok ? "right" : "wrong"}"><td>${p.i}</td><td>${esc(p.id)}</td><td>${verdict(p.g)}</td><td>${verdict(p.p)}</td>` +
        `<td>${p.ok ? '<span class="ok">✓</span>' : '<span class="bad">✗</span>'}</td><td>${p.m.toFixed(2)}</td><td>${votes(p)}</td><td>${flags(p)}</td>${bCell}</tr>`;
    }).join("");
    $("shown").textContent = `${rows.length} of ${PROBLEMS.length} problems`;
  }
  for (const id of ["f-result", "f-gold", "f-pred", "f-cause", "f-depth", "f-timeout", "f-inconsistent"]) $(id).addEventListener("change", renderTable);
  $("f-search").addEventListener("input", renderTable);

  // ------------------------------------------------------------ problem view
  function sampleBlock(p, s) {
    const kind = s.w > 0 ? "winner" : s.w < 0 ? "abstained" : "";
    const last = s.f ? s.f.length - 1 : -1;
    const used = new Set(s.u);
    const rows = (s.f || []).map((row, j) => {
      const [si, fi, ti] = row;
      const role = j === last ? "C" : `P${j + 1}`;
      const sentence = si >= 0 ? S(p.s[si]) : S(ti);
      return `<tr class="${j !== last && used.has(j) ? "used" : ""}" data-sentence="${si}"><td class="idx">${role}</td>` +
        `<td class="sentence">${si >= 0 ? "" : '<span class="muted">(own) </span>'}${esc(sentence)}</td><td class="formula">${esc(S(fi))}</td></tr>`;
    }).join("");
    const notes = [];
    if (s.e) notes.push(`error: <b>${esc(s.e)}</b>`);
    if (s.inc) notes.push("premises inconsistent");
    if (s.to) notes.push("a limit was reached");
    if (s.r.length) notes.push(`repairs: ${esc(s.r.join(", "))}`);
    if (s.rc) notes.push(`recorded system's verdict: ${verdict(s.rc)}`);
    if (s.w > 0) notes.push("voted for the answer"); else if (s.w < 0) notes.push("abstained");
    const evidence = [S(s.ev), S(s.dt)].filter(Boolean).map((t) => `<div class="evidence"><code>${esc(t)}</code></div>`).join("");
    const usedNote = s.u.length ? `<div class="evidence">premises used in the proof: ${s.u.map((u) => "P" + (u + 1)).join(", ")} (highlighted)</div>` : "";
    return `<div class="sample ${kind}" data-sample="${s.n}"><h3>Sample ${s.n} ${verdict(s.v)}</h3>` +
      `<div class="evidence">${notes.join(" · ")}</div>${evidence}${usedNote}` +
      (s.f ? `<table><tbody>${rows}</tbody></table>` : '<p class="muted">formulas not recorded</p>') + "</div>";
  }

  function bySentence(p) {
    return p.s.map((sid, si) => {
      const groups = new Map();
      for (const s of p.sm) for (const row of s.f || []) if (row[0] === si) {
        const list = groups.get(row[1]) || [];
        list.push(s.n);
        groups.set(row[1], list);
      }
      const items = [...groups.entries()].sort((a, b) => b[1].length - a[1].length)
        .map(([fi, ns]) => `<li><code>${esc(S(fi))}</code> <span class="muted">samples ${ns.join(", ")}</span></li>`).join("");
      return `<li>${esc(S(sid))}<ul>${items || '<li class="muted">no formula</li>'}</ul></li>`;
    }).join("");
  }

  function voteTable(p) {
    if (!p.vote) return '<p class="muted">no vote recorded</p>';
    const v = p.vote;
    const rows = Object.keys(v.votes).map((k) => `<tr><td>${verdict(k)}</td><td>${v.votes[k]}</td><td>${v.scores[k] ?? ""}</td></tr>`).join("");
    const extra = [`policy <b>${esc(v.policy)}</b>`, `margin <b>${p.m.toFixed(2)}</b>`];
    if (v.tie) extra.push(`tie between ${v.tied.map(esc).join(", ")}`);
    if (v.abstained.length) extra.push(`abstained: samples ${v.abstained.join(", ")}`);
    extra.push(v.winners.length ? `for the answer: samples ${v.winners.join(", ")}` : "no sample voted for the answer");
    return `<table class="matrix" id="vote"><tr><th>verdict</th><th>votes</th><th>score</th></tr>${rows}</table><p>${extra.join(" · ")}</p>` +
      `<p class="note">${esc(DATA.run.vote_rule)}. Margin: the top score minus the runner-up's, over the ${p.sm.length} sample${p.sm.length === 1 ? "" : "s"}.</p>`;
  }

  function openProblem(i) {
    const p = byIndex.get(i);
    const view = $("view");
    if (!p) { view.hidden = true; return; }
    const b = outcomeB(p);
    const sentences = p.s.map((sid, k) => `<li class="${k === p.s.length - 1 ? "conclusion" : ""}">${k === p.s.length - 1 ? "Conclusion: " : ""}${esc(S(sid))}</li>`).join("");
    const source = p.src === "dataset" ? "from the dataset" : p.src === "samples" ? "as the samples wrote them (the most common sequence)" : "not recorded";
    view.innerHTML = `<button class="close" id="close-view">close</button>` +
      `<h2>Problem ${p.i} <code>${esc(p.id)}</code></h2>` +
      `<p id="view-outcome">gold ${verdict(p.g)} · predicted ${verdict(p.p)} ${p.ok ? '<span class="ok">right</span>' : '<span class="bad">wrong</span>'}` +
      ` · margin ${p.m.toFixed(2)}${p.d !== null ? " · depth " + p.d : ""} ${flags(p)}</p>` +
      (b ? `<p>run B: predicted ${verdict(b.p)} ${b.ok ? '<span class="ok">right</span>' : '<span class="bad">wrong</span>'} · margin ${b.m.toFixed(2)}</p>` : "") +
      `<h3>Premises and conclusion <small class="muted">${source}</small></h3><ol class="sentences">${sentences}</ol>` +
      `<h3>How the vote was counted</h3>${voteTable(p)}` +
      `<details><summary>Translations by sentence</summary><ol class="sentences">${bySentence(p)}</ol></details>` +
      `<h3>Samples</h3>${p.sm.map((s) => sampleBlock(p, s)).join("")}`;
    view.hidden = false;
    $("close-view").addEventListener("click", () => { location.hash = "problems"; });
    view.scrollIntoView();
  }

  // ------------------------------------------------------------ two runs
  function renderFlips() {
    if (!CMP) return;
    const fill = (id, keep) => {
      $(id).tBodies[0].innerHTML = PROBLEMS.filter((p) => { const b = CMP.b[p.id]; return b && p.g !== null && b.g !== null && keep(p, b); })
        .map((p) => `<tr data-index="${p.i}"><td>${p.i}</td><td>${esc(p.id)}</td><td>${verdict(p.g)}</td><td>${verdict(p.p)}</td><td>${verdict(CMP.b[p.id].p)}</td></tr>`).join("");
    };
    fill("flips-a", (p, b) => p.ok && !b.ok);
    fill("flips-b", (p, b) => !p.ok && b.ok);
  }

  // ------------------------------------------------------------ routing
  function route() {
    const hash = location.hash.slice(1) || "summary";
    const m = /^p=(\d+)$/.exec(hash);
    const tab = m ? "problems" : hash;
    for (const panel of document.querySelectorAll("main > section")) panel.hidden = panel.id !== tab && !(m && panel.id === "view");
    for (const a of document.querySelectorAll("nav .tab")) a.classList.toggle("active", a.dataset.tab === tab);
    if (m) openProblem(Number(m[1])); else $("view").hidden = true;
  }
  document.addEventListener("click", (e) => {
    const row = e.target.closest("table.problems tbody tr[data-index]");
    if (row) location.hash = "p=" + row.dataset.index;
  });
  document.addEventListener("keydown", (e) => {
    const row = e.target.closest && e.target.closest("table.problems tbody tr[data-index]");
    if (row && e.key === "Enter") location.hash = "p=" + row.dataset.index;
    else if (e.key === "Escape" && !$("view").hidden) location.hash = "problems";
  });
  window.addEventListener("hashchange", route);
  renderTable();
  renderFlips();
  route();
  document.body.dataset.ready = "1";
  window.lincReady = performance.now();
})();
