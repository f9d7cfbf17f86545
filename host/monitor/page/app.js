// The immsched dashboard: plain JS, no build step, no framework (served as is from an edge box).
//
// Updates arrive as Server-Sent Events (a snapshot, then coalesced deltas; see host/monitor/state.ts
// for their shape). Applying one only merges data and marks what changed; drawing happens at most
// once per animation frame, and only the parts that changed, so the page keeps up with thousands
// of events a second. window.__immsched exposes the model and the charts (tests, debugging).

(() => {
  const $ = (id) => document.getElementById(id);
  const LOG_ROWS = 200;

  const model = {
    board: "",
    policy: "",
    width: 0,
    height: 0,
    now: 0,
    bucketNs: 1e8,
    recentLimit: 60,
    maxBuckets: 600,
    tiles: [],
    marks: [],
    tasks: new Map(),
    series: [],
    log: [],
    lastSeq: 0,
    totals: null,
    telemetry: null,
  };
  const dirty = { mesh: false, tiles: false, tasks: false, series: false, log: false, header: false };
  const stats = { snapshots: 0, deltas: 0, renders: 0, maxRenderMs: 0, lastRenderMs: 0 };
  const charts = {};
  const pendingLog = [];
  let frameRequested = false;
  let resetLog = false;

  // ---- colours: stable per task id (golden-angle hues) -----------------------------------------
  const colour = (id) => `hsl(${Math.round((id * 137.508) % 360)} 65% 50%)`;

  // ---- formatting ----------------------------------------------------------------------------
  /** Board ns as a readable duration. */
  function fmtNs(ns) {
    const a = Math.abs(ns);
    if (a >= 1e9) return `${(ns / 1e9).toFixed(3)} s`;
    if (a >= 1e6) return `${(ns / 1e6).toFixed(3)} ms`;
    if (a >= 1e3) return `${(ns / 1e3).toFixed(1)} µs`;
    return `${Math.round(ns)} ns`;
  }
  /** Axis ticks: short, trailing zeros dropped ("1.5 ms"). */
  function fmtTick(sec) {
    const ns = sec * 1e9;
    const a = Math.abs(ns);
    const [div, unit] = a >= 1e9 ? [1e9, "s"] : a >= 1e6 ? [1e6, "ms"] : a >= 1e3 ? [1e3, "µs"] : [1, "ns"];
    return `${+(ns / div).toPrecision(3)} ${unit}`;
  }

  // ---- applying updates ----------------------------------------------------------------------
  function mergeTasks(list) {
    for (const t of list) model.tasks.set(t.id, t); // Map keeps the first insertion's place: arrival order
    while (model.tasks.size > model.recentLimit) model.tasks.delete(model.tasks.keys().next().value);
    if (list.length) dirty.tasks = true;
  }

  function mergeSeries(points) {
    const s = model.series;
    for (const p of points) {
      const last = s[s.length - 1];
      if (!last || p.i > last.i) s.push(p);
      else {
        for (let k = s.length - 1; k >= 0; k--) {
          if (s[k].i === p.i) {
            s[k] = p;
            break;
          }
          if (s[k].i < p.i) {
            s.splice(k + 1, 0, p);
            break;
          }
        }
      }
    }
    if (s.length > model.maxBuckets) s.splice(0, s.length - model.maxBuckets);
    if (points.length) dirty.series = true;
  }

  function mergeLog(entries) {
    for (const e of entries) {
      if (e.seq <= model.lastSeq) continue;
      model.lastSeq = e.seq;
      pendingLog.push(e);
    }
    if (pendingLog.length > LOG_ROWS) pendingLog.splice(0, pendingLog.length - LOG_ROWS);
    if (pendingLog.length) dirty.log = true;
  }

  function applySnapshot(s) {
    stats.snapshots++;
    const meshChanged = s.width !== model.width || s.height !== model.height;
    Object.assign(model, {
      board: s.board,
      policy: s.policy,
      width: s.width,
      height: s.height,
      now: s.now,
      bucketNs: s.bucketNs,
      recentLimit: s.recentLimit,
      maxBuckets: s.maxBuckets,
      tiles: s.tiles,
      marks: s.marks,
      totals: s.totals,
      telemetry: s.telemetry,
    });
    model.tasks = new Map();
    model.series = [];
    model.lastSeq = 0;
    pendingLog.length = 0;
    resetLog = true;
    mergeTasks(s.tasks);
    mergeSeries(s.series);
    mergeLog(s.log);
    dirty.mesh = dirty.mesh || meshChanged;
    dirty.tiles = dirty.tasks = dirty.series = dirty.log = dirty.header = true;
  }

  function applyDelta(d) {
    stats.deltas++;
    model.now = d.now;
    model.totals = d.totals;
    model.telemetry = d.telemetry;
    if (d.tiles) {
      model.tiles = d.tiles;
      model.marks = d.marks;
      dirty.tiles = true;
    }
    mergeTasks(d.tasks);
    mergeSeries(d.series);
    mergeLog(d.log);
    dirty.header = true;
  }

  function requestFrame() {
    if (frameRequested) return;
    frameRequested = true;
    requestAnimationFrame(render);
  }

  // ---- header --------------------------------------------------------------------------------
  const rateWindow = [];
  function renderHeader() {
    const t = model.totals;
    if (!t) return;
    $("board").textContent = model.board;
    $("policy").textContent = model.policy;
    $("now").textContent = fmtNs(model.now);
    $("arrivals").textContent = t.arrivals;
    $("completions").textContent = t.completions;
    const settled = t.completions + Object.values(t.drops).reduce((a, b) => a + b, 0);
    const rate = settled ? t.violations / settled : 0;
    $("violations").textContent = `${t.violations} (${(rate * 100).toFixed(1)}%)`;
    $("viol-kv").classList.toggle("bad", rate > 0.05);
    $("drops").textContent = Object.values(t.drops).reduce((a, b) => a + b, 0);
    $("preemptions").textContent = t.preemptions;
    // events per wall second over the last second, from the totals the deltas carry
    const now = performance.now();
    rateWindow.push([now, t.events]);
    while (rateWindow.length > 2 && now - rateWindow[0][0] > 1000) rateWindow.shift();
    const [t0, e0] = rateWindow[0];
    $("rate").textContent = now - t0 > 100 ? Math.round(((t.events - e0) * 1000) / (now - t0)) : "–";
    const tm = model.telemetry;
    $("telemetry").hidden = !tm;
    if (tm) {
      $("power").textContent = `${(tm.powerMw / 1000).toFixed(2)} W`;
      $("temp").textContent = tm.tempC === null ? "" : `${tm.tempC.toFixed(1)} °C`;
      $("queued").textContent = tm.queuedTasks;
    }
    document.title = `immsched · ${model.board} · ${model.policy}`;
  }

  // ---- tile mesh -----------------------------------------------------------------------------
  let cells = [];
  function buildMesh() {
    const mesh = $("mesh");
    mesh.textContent = "";
    mesh.style.gridTemplateColumns = `repeat(${model.width}, minmax(0, 1fr))`;
    cells = [];
    const frag = document.createDocumentFragment();
    for (let i = 0; i < model.width * model.height; i++) {
      const c = document.createElement("div");
      c.className = "cell";
      c.dataset.tile = String(i);
      c.dataset.owner = "-1";
      c.dataset.mark = "-1";
      c.title = `tile ${i} (${i % model.width}, ${Math.floor(i / model.width)})`;
      cells.push(c);
      frag.appendChild(c);
    }
    mesh.appendChild(frag);
    $("mesh-size").textContent = `${model.width}×${model.height}`;
  }

  function renderTiles() {
    const small = model.width > 12; // ids do not fit in small cells
    for (let i = 0; i < cells.length; i++) {
      const c = cells[i];
      const owner = model.tiles[i] ?? -1;
      const mark = model.marks[i] ?? -1;
      if (String(owner) !== c.dataset.owner) {
        c.dataset.owner = String(owner);
        c.style.backgroundColor = owner >= 0 ? colour(owner) : "";
        c.classList.toggle("busy", owner >= 0);
        c.textContent = owner >= 0 && !small ? String(owner) : "";
      }
      if (String(mark) !== c.dataset.mark) {
        c.dataset.mark = String(mark);
        c.classList.toggle("marked", mark >= 0);
        if (mark >= 0) c.style.setProperty("--mark", colour(mark));
        else c.style.removeProperty("--mark");
      }
    }
  }

  // ---- Gantt ---------------------------------------------------------------------------------
  const ROW = 9;
  const GUTTER = 96;
  const AXIS = 16;
  function renderGantt() {
    const canvas = $("gantt");
    const tasks = [...model.tasks.values()];
    const cssW = canvas.parentElement.clientWidth || 600;
    const cssH = AXIS + Math.max(1, model.recentLimit) * ROW + 4;
    const dpr = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(cssW * dpr) || canvas.height !== Math.round(cssH * dpr)) {
      canvas.width = Math.round(cssW * dpr);
      canvas.height = Math.round(cssH * dpr);
      canvas.style.height = `${cssH}px`;
    }
    const g = canvas.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, cssW, cssH);
    canvas.dataset.tasks = String(tasks.length);
    if (!tasks.length) return;
    // window: first arrival .. now plus a margin; far deadlines are pinned to the right edge
    let t0 = Infinity;
    let t1 = model.now;
    for (const t of tasks) {
      t0 = Math.min(t0, t.arrival);
      t1 = Math.max(t1, t.end ?? 0);
    }
    if (!(t1 > t0)) t1 = t0 + 1;
    t1 += (t1 - t0) * 0.08;
    const W = cssW - GUTTER - 8;
    const x = (t) => GUTTER + ((t - t0) / (t1 - t0)) * W;
    // axis: a few ticks relative to the window start
    g.fillStyle = "#6e6e73";
    g.strokeStyle = "#e5e5ea";
    g.font = "10px system-ui, sans-serif";
    g.textBaseline = "top";
    for (let k = 0; k <= 4; k++) {
      const t = t0 + ((t1 - t0) * k) / 4;
      const px = x(t);
      g.beginPath();
      g.moveTo(px + 0.5, AXIS - 2);
      g.lineTo(px + 0.5, cssH);
      g.stroke();
      g.textAlign = k === 0 ? "left" : k === 4 ? "right" : "center";
      g.fillText(fmtNs(t), px, 1);
    }
    // "now"
    g.strokeStyle = "#1d1d1f";
    g.setLineDash([3, 3]);
    g.beginPath();
    g.moveTo(Math.round(x(model.now)) + 0.5, AXIS);
    g.lineTo(Math.round(x(model.now)) + 0.5, cssH);
    g.stroke();
    g.setLineDash([]);
    g.textBaseline = "middle";
    tasks.forEach((t, row) => {
      const y = AXIS + row * ROW;
      const mid = y + ROW / 2;
      const end = t.end ?? model.now;
      const missed = t.late || t.dropped !== undefined || (t.end === undefined && t.deadline !== null && model.now > t.deadline);
      g.textAlign = "left";
      g.fillStyle = missed ? "#d70015" : "#1d1d1f";
      g.fillText(`#${t.id} ${t.model}`.slice(0, 16), 2, mid);
      // waiting: arrival -> end, thin
      g.fillStyle = "#c7c7cc";
      g.fillRect(x(t.arrival), mid - 0.5, Math.max(1, x(end) - x(t.arrival)), 1);
      // holding tiles
      g.fillStyle = colour(t.id);
      for (const [a, b] of t.segments) g.fillRect(x(a), y + 1, Math.max(1.5, x(b ?? end) - x(a)), ROW - 2);
      if (missed) {
        g.strokeStyle = "#d70015";
        g.lineWidth = 1.5;
        for (const [a, b] of t.segments) g.strokeRect(x(a), y + 1, Math.max(1.5, x(b ?? end) - x(a)), ROW - 2);
        g.lineWidth = 1;
      }
      if (t.dropped !== undefined) {
        const px = x(end);
        g.strokeStyle = "#d70015";
        g.beginPath();
        g.moveTo(px - 3, y + 1);
        g.lineTo(px + 3, y + ROW - 1);
        g.moveTo(px + 3, y + 1);
        g.lineTo(px - 3, y + ROW - 1);
        g.stroke();
      }
      if (t.deadline !== null) {
        const px = Math.round(x(Math.min(t.deadline, t1))) - (t.deadline > t1 ? 1.5 : -0.5);
        g.strokeStyle = missed ? "#d70015" : "#1d1d1f";
        g.lineWidth = missed ? 2 : 1;
        g.beginPath();
        g.moveTo(px, y);
        g.lineTo(px, y + ROW);
        g.stroke();
        g.lineWidth = 1;
      }
    });
  }

  // ---- charts (uPlot) ------------------------------------------------------------------------
  function makeChart(el, series, yFmt, yScale = {}) {
    const width = Math.max(200, el.clientWidth);
    return new uPlot(
      {
        width,
        height: 180,
        legend: { live: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: false }, y: yScale },
        axes: [
          { values: (_u, vals) => vals.map(fmtTick), size: 30 },
          { values: (_u, vals) => vals.map(yFmt), size: 54 },
        ],
        series: [{}, ...series.map((s) => ({ spanGaps: false, width: 1.5, points: { show: false }, ...s }))],
      },
      [[], ...series.map(() => [])],
      el,
    );
  }

  function initCharts() {
    const num = (v) => (v == null ? "" : Math.abs(v) >= 1000 ? `${(v / 1000).toFixed(1)}k` : String(+v.toFixed(2)));
    charts.latency = makeChart(
      $("chart-latency"),
      [
        { label: "p50", stroke: "#0a84ff" },
        { label: "p99", stroke: "#c93400" },
      ],
      num,
      // log scale: a cold-start call can take 1000x a warm one and would flatten everything else
      { distr: 3 },
    );
    charts.violations = makeChart(
      $("chart-violations"),
      [{ label: "violation rate", stroke: "#d70015", fill: "rgba(215,0,21,.08)" }],
      (v) => (v == null ? "" : `${Math.round(v * 100)}%`),
    );
    charts.throughput = makeChart($("chart-throughput"), [{ label: "done/s", stroke: "#248a3d", fill: "rgba(36,138,61,.08)" }], num);
  }

  function renderCharts() {
    const s = model.series;
    const x = s.map((p) => p.t);
    const pos = (v) => (v == null ? null : Math.max(v, 0.01)); // a log scale cannot show 0
    charts.latency.setData([x, s.map((p) => pos(p.decP50)), s.map((p) => pos(p.decP99))]);
    charts.violations.setData([x, s.map((p) => p.violationRate)]);
    charts.throughput.setData([x, s.map((p) => p.throughput)]);
    for (const c of Object.values(charts)) c.root.dataset.points = String(x.length);
  }

  // ---- log -----------------------------------------------------------------------------------
  function renderLog() {
    const ul = $("log");
    if (resetLog) {
      ul.textContent = "";
      resetLog = false;
    }
    const frag = document.createDocumentFragment();
    for (let k = pendingLog.length - 1; k >= 0; k--) {
      const e = pendingLog[k];
      const li = document.createElement("li");
      li.className = e.level;
      const time = document.createElement("time");
      time.textContent = fmtNs(e.time);
      li.append(time, e.text);
      frag.appendChild(li);
    }
    pendingLog.length = 0;
    ul.insertBefore(frag, ul.firstChild);
    while (ul.childElementCount > LOG_ROWS) ul.lastElementChild.remove();
  }

  // ---- frame ---------------------------------------------------------------------------------
  function render() {
    frameRequested = false;
    const t0 = performance.now();
    if (dirty.mesh) {
      buildMesh();
      dirty.mesh = false;
      dirty.tiles = true;
    }
    if (dirty.header) {
      renderHeader();
      dirty.header = false;
    }
    if (dirty.tiles) {
      renderTiles();
      dirty.tiles = false;
    }
    // the Gantt's "now" line moves with every update, so it redraws whenever anything came in
    if (dirty.tasks || dirty.series || dirty.log) renderGantt();
    dirty.tasks = false;
    if (dirty.series) {
      renderCharts();
      dirty.series = false;
    }
    if (dirty.log) {
      renderLog();
      dirty.log = false;
    }
    stats.renders++;
    stats.lastRenderMs = performance.now() - t0;
    stats.maxRenderMs = Math.max(stats.maxRenderMs, stats.lastRenderMs);
  }

  // ---- wiring --------------------------------------------------------------------------------
  initCharts();
  window.addEventListener("resize", () => {
    for (const [name, c] of Object.entries(charts)) c.setSize({ width: Math.max(200, $(`chart-${name}`).clientWidth), height: 180 });
    dirty.tasks = true;
    requestFrame();
  });

  const status = $("status");
  const es = new EventSource("/events");
  es.addEventListener("open", () => {
    status.textContent = "live";
    status.className = "live";
  });
  es.addEventListener("error", () => {
    status.textContent = "reconnecting…";
    status.className = "down";
  });
  es.addEventListener("snapshot", (m) => {
    applySnapshot(JSON.parse(m.data));
    requestFrame();
  });
  es.addEventListener("delta", (m) => {
    applyDelta(JSON.parse(m.data));
    requestFrame();
  });

  // where the run stands (host/monitor/run-status.ts): the board lost, the run draining or ended
  const banner = $("banner");
  const showStatus = (st) => {
    const t = st.summary?.tasks;
    const m = st.summary?.metrics;
    let text = "";
    let cls = "";
    if (st.board === "lost") {
      text = "Board lost: no frame from it for 3 s; the runtime keeps asking it for a new session.";
      cls = "lost";
    } else if (st.phase === "draining") {
      text = `Stopping (${st.reason ?? "signal"}): no new tasks admitted, running tasks finishing.`;
      cls = "draining";
    } else if (st.phase === "ended") {
      text = `Run ended (${st.reason ?? "done"}).`;
      cls = "ended";
    }
    if (st.phase === "ended" && t && m) {
      text +=
        ` Final: arrived ${t.arrived} · completed ${t.completed} · late ${t.late} · dropped ${t.dropped} · lost ${t.lost}` +
        ` · violations ${(100 * m.violationRate).toFixed(1)} % · XRBench score ${m.xrbenchScore.toFixed(1)}.` +
        " This page stays until the process is stopped.";
    }
    banner.textContent = text;
    banner.className = cls;
    banner.hidden = text === "";
    window.__immsched.status = st;
  };
  es.addEventListener("status", (m) => showStatus(JSON.parse(m.data)));

  window.__immsched = { model, stats, charts, status: null };
})();
