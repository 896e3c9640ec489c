// The live page: one EventSource (/events) feeds everything; the server pushes the tree, the
// missions, heartbeats, transitions, journal entries and agent output as they happen. Actions
// go to POST /api/action, which asks the tree through the same NATS requests as the CLI.
// One file (over 300 lines) because it is one concept, the page's view of the live state, and
// the browser loads it as it is: no bundler to join smaller modules.
'use strict';
(() => {
  const $ = (sel) => document.querySelector(sel);
  const live = {
    tree: null,
    missions: null,
    side: null,
    beats: {},
    journal: [],
    transitions: {},
    progress: {},
    offset: 0,
  };
  const view = { chartActor: '', chartKind: 'actor', chartKey: '', mission: '', replayed: '', page: '', watched: null };
  const graphs = new Map();
  const now = () => Date.now() + live.offset;

  const ago = (ms) => {
    const s = Math.max(0, Math.floor(ms / 1000));
    if (s < 60) return `${s}s`;
    if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
    return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  };
  const cell = (row, text, cls) => {
    const td = document.createElement('td');
    td.textContent = text ?? '';
    if (cls) td.className = cls;
    row.appendChild(td);
    return td;
  };
  const button = (parent, label, onClick, data = {}) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    for (const [k, v] of Object.entries(data)) b.dataset[k] = v;
    b.addEventListener('click', (e) => {
      e.stopPropagation();
      onClick();
    });
    parent.appendChild(b);
    return b;
  };
  const notice = (text) => ($('#notice').textContent = text);

  async function act(body) {
    const res = await fetch('/api/action', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-roshi-action': '1' },
      body: JSON.stringify(body),
    });
    const reply = await res.json().catch(() => ({ ok: false, error: `HTTP ${res.status}` }));
    notice(reply.ok ? `${body.verb}: done` : `${body.verb}: ${reply.error}`);
    return reply;
  }

  function renderTree() {
    const tree = live.tree;
    if (!tree) return;
    $('#supervisor').textContent =
      `supervisor pid ${tree.supervisor.pid} ${tree.supervisor.state}, nats ${tree.nats.connected ? 'connected' : 'DISCONNECTED'}`;
    const body = $('#tree tbody');
    const rows = [];
    const skew = now() - tree.receivedAt;
    for (const c of tree.children) {
      const tr = document.createElement('tr');
      tr.dataset.actor = c.name;
      tr.dataset.state = c.state;
      tr.dataset.pid = c.pid ? String(c.pid) : '';
      if (c.name === view.chartActor) tr.className = 'selected';
      const beat = live.beats[c.name];
      cell(tr, c.name);
      cell(tr, c.state, 'state');
      cell(tr, beat?.state ?? c.actorState ?? '-', 'machine');
      cell(tr, c.tier ? String(c.tier) : '-');
      cell(tr, c.circuit);
      cell(tr, c.pid ? String(c.pid) : '-');
      cell(tr, c.uptimeMs === null ? '-' : ago(c.uptimeMs + skew));
      cell(tr, String(c.restarts));
      cell(tr, c.lastVerdict ? `${c.lastVerdict.verdict}: ${c.lastVerdict.evidence}` : '-', 'text');
      cell(tr, beat ? `${ago(now() - beat.at)} ago` : '-', 'beat');
      const actions = cell(tr, '');
      if (c.name !== 'nats')
        button(actions, 'restart', () => act({ verb: 'restart', actor: c.name }), { restart: c.name });
      tr.addEventListener('click', () => selectChart(c.name));
      rows.push(tr);
    }
    body.replaceChildren(...rows);
    const breakers = tree.openBreakers ?? [];
    $('#breakers').textContent = breakers.length
      ? `open breakers: ${breakers.map((b) => `${b.runner} ${b.name} ${b.state}${b.reason ? ` (${b.reason})` : ''}`).join('; ')}`
      : 'no open breakers';
    const select = $('#chart-actor');
    const names = tree.children.map((c) => c.name).filter((n) => n !== 'nats');
    if (select.options.length !== names.length) {
      select.replaceChildren(...names.map((n) => new Option(n, n)));
      if (!view.chartActor && names.length) selectChart(names.includes('watchdog') ? 'watchdog' : names[0]);
    }
    select.value = view.chartActor;
    renderDispatch();
    void renderChart();
  }

  /** Dispatch is paused when the runners say so (their machine waits in `paused`). */
  function renderDispatch() {
    // `runner-2`, or `h2-runner-2` when several hosts share the bus (docs/scale-out.md#hosts-and-names).
    const runners = Object.entries(live.beats).filter(([n]) => /^(?:[a-z][a-z0-9]{0,15}-)?runner-\d+$/.test(n));
    const paused = runners.length > 0 && runners.every(([, b]) => String(b.state).includes('paused'));
    $('#dispatch').dataset.paused = runners.length ? String(paused) : 'unknown';
    $('#dispatch').textContent = runners.length ? `dispatch ${paused ? 'paused' : 'on'}` : '';
  }

  function selectChart(actor) {
    view.chartActor = actor;
    view.chartKey = '';
    watchChart();
    void renderChart();
  }

  /** Tells the server which machine this page draws: only that one is inspected for transitions. */
  function watchChart() {
    const actor = view.chartKind === 'supervision' ? '' : view.chartActor;
    if (!view.page || view.watched === actor) return;
    view.watched = actor;
    void fetch('/api/watch', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-roshi-action': '1' },
      body: JSON.stringify({ page: view.page, actor }),
    }).catch(() => (view.watched = null));
  }

  // One drawing at a time; a burst of transitions while one runs asks for one more after it.
  let charting = false;
  let chartAgain = false;
  async function renderChart() {
    if (charting) {
      chartAgain = true;
      return;
    }
    charting = true;
    try {
      do {
        chartAgain = false;
        await drawChart();
      } while (chartAgain);
    } finally {
      charting = false;
    }
  }

  async function drawChart() {
    const actor = view.chartActor;
    if (!actor || !live.tree) return;
    const child = live.tree.children.find((c) => c.name === actor);
    const kind = view.chartKind;
    const machine = kind === 'supervision' ? 'supervision' : actor;
    const active = kind === 'supervision' ? child?.state : (live.beats[actor]?.state ?? child?.actorState);
    const recent = kind === 'supervision' ? [] : (live.transitions[actor] ?? []).slice(-3);
    const key = `${machine}|${actor}|${active}|${recent.map((t) => t.at).join(',')}`;
    if (key === view.chartKey) return;
    view.chartKey = key;
    let graph = graphs.get(machine);
    if (!graph) {
      const res = await fetch(`/api/graph/${encodeURIComponent(machine)}`);
      if (!res.ok) return;
      graph = await res.json();
      graphs.set(machine, graph);
    }
    await window.roshiGraph.draw($('#chart-svg'), graph, active, recent);
    const list =
      kind === 'supervision'
        ? live.journal
            .filter((j) => j.child === actor)
            .slice(-10)
            .map((j) => `${new Date(j.at).toLocaleTimeString()} ${j.kind}: ${j.detail}`)
        : (live.transitions[actor] ?? [])
            .slice(-10)
            .map(
              (t) =>
                `${new Date(t.at).toLocaleTimeString()} ${JSON.stringify(t.from)} —${t.event}→ ${JSON.stringify(t.to)}`,
            );
    $('#transitions').replaceChildren(
      ...list.map((text) => Object.assign(document.createElement('li'), { textContent: text })),
    );
  }

  function renderMissions() {
    const reply = live.missions;
    if (!reply) return;
    $('#mission-counts').textContent = Object.entries(reply.counts ?? {})
      .filter(([, n]) => n > 0)
      .map(([s, n]) => `${n} ${s}`)
      .join(', ');
    const rows = reply.missions.map((m) => {
      const tr = document.createElement('tr');
      tr.dataset.mission = m.id;
      tr.dataset.status = m.status;
      if (m.id === view.mission) tr.className = 'selected';
      cell(tr, m.id);
      const agent = live.side?.runs?.[m.id];
      cell(
        tr,
        m.waitingFor ? `${m.status} (waits for ${m.waitingFor.mission})` : agent ? `${m.status}: ${agent}` : m.status,
        'status',
      );
      if (agent) tr.dataset.agent = agent;
      cell(tr, m.project);
      cell(tr, m.kind);
      cell(tr, m.text, 'text');
      cell(tr, `${m.attempts}/${m.maxAttempts}`);
      const steps = m.result?.steps ?? [];
      cell(tr, steps.map((s) => `${s.step} ${s.skipped ? '–' : s.ok ? '✓' : '✗'}`).join(' '), 'text');
      const actions = cell(tr, '');
      if (m.status === 'pending' || m.status === 'running')
        button(actions, 'cancel', () => act({ verb: 'cancel', id: m.id }), { cancel: m.id });
      if (m.status === 'pending') {
        button(actions, 'top', () => act({ verb: 'priority', id: m.id, to: 'top' }), { top: m.id });
        button(actions, 'bottom', () => act({ verb: 'priority', id: m.id, to: 'bottom' }), { bottom: m.id });
      }
      tr.addEventListener('click', () => selectMission(m.id));
      return tr;
    });
    $('#missions tbody').replaceChildren(...rows);
    renderOutput();
  }

  function selectMission(id) {
    view.mission = id;
    view.replayed = '';
    renderMissions();
  }

  function outputLine(kind, text) {
    const li = document.createElement('li');
    li.dataset.kind = kind;
    li.textContent = text;
    return li;
  }

  function renderOutput() {
    const id = view.mission;
    const m = live.missions?.missions.find((x) => x.id === id);
    $('#output-mission').textContent = id ? `${id}${m ? ` (${m.status})` : ''}` : '(click a mission)';
    const r = m?.result;
    const agent = live.side?.runs?.[id];
    const spent = m?.status === 'running' ? live.side?.spend?.[id] : undefined;
    const soFar = spent
      ? `spent so far ~$${spent.usd.toFixed(4)} (${spent.turns} turns, ${spent.tokens} tokens${spent.runs > 1 ? `, ${spent.runs} runs` : ''})`
      : undefined;
    $('#mission-detail').dataset.spent = spent ? String(spent.usd) : '';
    $('#mission-detail').textContent = r
      ? `${r.summary ?? ''}${r.prUrl ? ` — ${r.prUrl}` : ''}${r.costUsd !== undefined ? ` — $${r.costUsd.toFixed(4)}` : ''}${r.error ? ` — ${r.error}` : ''}`
      : [soFar, agent, m?.lastError].filter(Boolean).join(' — ');
    const lines = live.progress[id];
    if (lines?.length) {
      $('#output').replaceChildren(...lines.map((l) => outputLine(l.kind, l.text)));
      $('#output').dataset.source = 'live';
      return;
    }
    if (m && ['done', 'failed', 'cancelled'].includes(m.status) && view.replayed !== id) {
      view.replayed = id;
      void fetch(`/api/run/${encodeURIComponent(id)}`)
        .then((res) => res.json())
        .then((replay) => {
          if (view.mission !== id) return;
          const all = replay.runs.flatMap((run) => [
            outputLine('roshi', `run ${run.file}`),
            ...run.lines.map((l) => outputLine(l.kind, l.text)),
          ]);
          $('#output').replaceChildren(...all);
          $('#output').dataset.source = 'replay';
        });
    } else if (!lines) $('#output').replaceChildren();
  }

  /** The bridge's outbox per chat provider and the pr-poller's followed PRs (sideStatus.ts). */
  function renderSide() {
    const side = live.side;
    if (!side) return;
    const o = side.outbox;
    $('#outbox').dataset.state = o === null ? 'absent' : o.error ? 'error' : 'ok';
    $('#outbox').textContent =
      o === null
        ? 'no bridge in this tree: nothing is sent to chat'
        : o.error
          ? `the bridge did not answer: ${o.error}`
          : `outbox: ${o.inFlight ?? '?'} in flight, ${o.received ?? '?'} received, ${o.delivered ?? '?'} delivered${o.providers.length ? '' : '; no chat provider configured'}`;
    $('#providers tbody').replaceChildren(
      ...(o?.providers ?? []).map((p) => {
        const tr = document.createElement('tr');
        tr.dataset.provider = p.name;
        for (const text of [p.name, p.state, p.queued, p.sent, p.failures, p.lastError ?? '-'])
          cell(tr, text === null ? '-' : String(text));
        return tr;
      }),
    );
    const prs = side.prs;
    $('#prs-note').textContent =
      prs === null
        ? 'no pr-poller in this tree: no PR is followed'
        : prs.error
          ? `the pr-poller did not answer: ${prs.error}`
          : `${prs.tracked.length} followed, ${prs.tracked.filter((p) => p.inCiQueue).length} in the CI queue`;
    $('#prs tbody').replaceChildren(
      ...(prs?.tracked ?? []).map((p) => {
        const tr = document.createElement('tr');
        tr.dataset.pr = p.url;
        for (const text of [
          p.url,
          p.branch,
          p.ci,
          p.inCiQueue ? 'yes' : 'no',
          p.attempt,
          (p.failing ?? []).join(', ') || '-',
          p.unresolvedThreads,
        ])
          cell(tr, text === undefined || text === null ? '-' : String(text));
        return tr;
      }),
    );
  }

  function renderJournal() {
    const items = live.journal
      .slice(-50)
      .reverse()
      .map((j) => outputLine(j.kind, `${new Date(j.at).toLocaleTimeString()} ${j.child} ${j.kind}: ${j.detail}`));
    $('#journal').replaceChildren(...items);
  }

  function connect() {
    const source = new EventSource('/events');
    const on = (event, handle) => source.addEventListener(event, (e) => handle(JSON.parse(e.data)));
    source.onopen = () => {
      $('#connection').dataset.state = 'open';
      $('#connection').textContent = 'live';
    };
    source.onerror = () => {
      $('#connection').dataset.state = 'closed';
      $('#connection').textContent = 'reconnecting…';
    };
    on('hello', (s) => {
      live.offset = s.now - Date.now();
      view.page = s.page;
      view.watched = null;
      Object.assign(live, {
        tree: s.tree,
        missions: s.missions,
        side: s.side,
        beats: s.beats,
        journal: s.journal,
        transitions: s.transitions,
        progress: s.progress,
      });
      renderTree();
      renderMissions();
      renderSide();
      renderJournal();
      watchChart();
    });
    on('tree', (tree) => {
      live.tree = tree;
      renderTree();
    });
    on('missions', (missions) => {
      live.missions = missions;
      renderMissions();
    });
    on('side', (side) => {
      live.side = side;
      renderSide();
      renderMissions();
    });
    on('beat', (b) => {
      live.beats[b.actor] = { at: b.at, state: b.state, pid: b.pid };
      renderTree();
    });
    on('beats', (beats) => {
      live.beats = beats;
      renderTree();
    });
    on('journal', (entry) => {
      live.journal.push(entry);
      if (live.journal.length > 100) live.journal.shift();
      renderJournal();
    });
    on('transition', (t) => {
      (live.transitions[t.actor] ??= []).push(t);
      if (live.transitions[t.actor].length > 20) live.transitions[t.actor].shift();
      if (t.actor === view.chartActor) void renderChart();
    });
    on('progress', (line) => {
      (live.progress[line.missionId] ??= []).push(line);
      if (line.missionId === view.mission) $('#output').appendChild(outputLine(line.kind, line.text));
    });
  }

  $('#add-mission').addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = $('#mission-text').value.trim();
    const project = $('#mission-project').value.trim();
    if (!text) return;
    const reply = await act({ verb: 'add', text, ...(project ? { project } : {}) });
    if (reply.ok) {
      $('#mission-text').value = '';
      selectMission(reply.data.id);
    }
  });
  $('#pause').addEventListener('click', () => act({ verb: 'pause' }));
  $('#resume').addEventListener('click', () => act({ verb: 'resume' }));
  $('#chart-actor').addEventListener('change', (e) => selectChart(e.target.value));
  $('#chart-kind').addEventListener('change', (e) => {
    view.chartKind = e.target.value;
    view.chartKey = '';
    watchChart();
    void renderChart();
  });
  // Ages tick locally between pushes: no request leaves the page for it.
  setInterval(() => live.tree && renderTreeAges(), 1000);
  function renderTreeAges() {
    for (const tr of document.querySelectorAll('#tree tbody tr')) {
      const beat = live.beats[tr.dataset.actor];
      const td = tr.querySelector('td.beat');
      if (beat && td) td.textContent = `${ago(now() - beat.at)} ago`;
    }
  }
  connect();
})();
