// Draws a machine's statechart into an <svg>: the graph comes from the machine definition
// (GET /api/graph/<actor>), the layout from elkjs (layered, compound states nested), and the
// active state(s) and recently taken transitions are highlighted. Plain browser code, no build.
'use strict';
(() => {
  const NS = 'http://www.w3.org/2000/svg';
  const charWidth = 7;
  let elk;

  const el = (name, attrs, parent) => {
    const node = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    if (parent) parent.appendChild(node);
    return node;
  };

  /** Every path a state value makes active: {busy:{run:'a'}} → busy, busy.run, busy.run.a. */
  function activePaths(value) {
    const out = new Set();
    const walk = (v, prefix) => {
      if (typeof v === 'string') {
        const parts = v.split('.');
        for (let i = 1; i <= parts.length; i++) out.add([...prefix, ...parts.slice(0, i)].join('.'));
      } else if (v && typeof v === 'object') {
        for (const [k, child] of Object.entries(v)) {
          out.add([...prefix, k].join('.'));
          walk(child, [...prefix, k]);
        }
      }
    };
    walk(value, []);
    return out;
  }

  /** A heartbeat's state string is the value itself, or its JSON for a nested one. */
  function parseState(text) {
    if (typeof text !== 'string') return text;
    try {
      return text.startsWith('{') ? JSON.parse(text) : text;
    } catch {
      return text;
    }
  }

  function elkGraph(graph) {
    const children = new Map();
    for (const s of graph.states) {
      if (s.parent === null) continue;
      if (!children.has(s.parent)) children.set(s.parent, []);
      children.get(s.parent).push(s);
    }
    const toNode = (s) => {
      const kids = children.get(s.id) ?? [];
      const label = s.key;
      return {
        id: `n:${s.id}`,
        labels: [{ text: label, width: label.length * charWidth, height: 12 }],
        width: Math.max(56, label.length * charWidth + 20),
        height: 26,
        layoutOptions: kids.length
          ? { 'elk.padding': '[top=22,left=10,bottom=10,right=10]', 'elk.nodeLabels.placement': 'INSIDE V_TOP H_LEFT' }
          : { 'elk.nodeLabels.placement': 'INSIDE V_CENTER H_CENTER' },
        children: kids.map(toNode),
      };
    };
    const edges = new Map();
    for (const t of graph.transitions) {
      if (t.source === '' || t.target === '') continue;
      const key = `${t.source}→${t.target}`;
      const edge = edges.get(key) ?? { source: t.source, target: t.target, events: [], types: [] };
      if (!edge.events.includes(t.event)) edge.events.push(t.event);
      edge.types.push(t.type);
      edges.set(key, edge);
    }
    const roots = children.get('') ?? [];
    return {
      id: 'root',
      layoutOptions: {
        'elk.algorithm': 'layered',
        'elk.direction': 'RIGHT',
        'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
        'elk.layered.spacing.nodeNodeBetweenLayers': '40',
        'elk.spacing.nodeNode': '18',
        'elk.edgeLabels.inline': 'false',
      },
      children: roots.map(toNode),
      edges: [...edges.values()].map((e, i) => {
        const text = e.events.length > 2 ? `${e.events.slice(0, 2).join(', ')}…` : e.events.join(', ');
        return {
          id: `e${i}`,
          sources: [`n:${e.source}`],
          targets: [`n:${e.target}`],
          labels: [{ text, width: text.length * 5.5, height: 10 }],
          types: e.types,
        };
      }),
    };
  }

  /**
   * Lays out and draws a machine (once per machine: a layout of the runner's graph takes a while),
   * then highlights `active`, the machine's state value, and `recent`, the last transitions.
   */
  async function draw(svg, graph, active, recent) {
    if (svg.dataset.machine !== graph.machine) await layout(svg, graph);
    highlight(svg, graph, active, recent);
  }

  function highlight(svg, graph, active, recent) {
    const on = activePaths(parseState(active));
    for (const g of svg.querySelectorAll('g.state')) g.classList.toggle('active', on.has(g.dataset.state));
    const recentEvents = new Set((recent ?? []).map((t) => t.event));
    for (const g of svg.querySelectorAll('g.edge'))
      g.classList.toggle(
        'recent',
        (g.dataset.events ?? '').split('|').some((e) => recentEvents.has(e)),
      );
    svg.dataset.active = [...on].join(' ');
  }

  async function layout(svg, graph) {
    elk ??= new ELK();
    const input = elkGraph(graph);
    const typesByEdge = new Map(input.edges.map((e) => [e.id, e.types]));
    const laid = await elk.layout(input);
    svg.replaceChildren();
    const edgeLayer = el('g', {}, null);
    const drawNode = (node, ox, oy, parent) => {
      const id = node.id.slice(2);
      const state = graph.states.find((s) => s.id === id);
      const classes = ['state'];
      if (node.children?.length) classes.push('compound');
      if (state?.final) classes.push('final');
      const g = el('g', { class: classes.join(' '), 'data-state': id }, parent);
      const x = ox + node.x;
      const y = oy + node.y;
      el('rect', { x, y, width: node.width, height: node.height, rx: 6 }, g);
      const label = el('text', { x: x + 8, y: y + (node.children?.length ? 14 : node.height / 2 + 4) }, g);
      label.textContent = `${state?.initial ? '● ' : ''}${node.labels[0].text}`;
      for (const child of node.children ?? []) drawNode(child, x, y, g);
    };
    for (const child of laid.children ?? []) drawNode(child, 0, 0, svg);
    for (const edge of laid.edges ?? []) {
      const g = el('g', { class: 'edge', 'data-events': (typesByEdge.get(edge.id) ?? []).join('|') }, edgeLayer);
      for (const s of edge.sections ?? []) {
        const points = [s.startPoint, ...(s.bendPoints ?? []), s.endPoint];
        el(
          'path',
          { d: points.map((p, i) => `${i ? 'L' : 'M'}${p.x},${p.y}`).join(' '), 'marker-end': 'url(#arrow)' },
          g,
        );
      }
      for (const l of edge.labels ?? []) {
        const t = el('text', { x: l.x ?? 0, y: (l.y ?? 0) + 8 }, g);
        t.textContent = l.text;
      }
    }
    const defs = el('defs', {}, svg);
    const marker = el(
      'marker',
      { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 6, markerHeight: 6, orient: 'auto' },
      defs,
    );
    el('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#586069' }, marker);
    svg.appendChild(edgeLayer);
    // Scaled to the panel: a large machine (the runner's) shrinks instead of scrolling away.
    const width = Math.ceil(laid.width ?? 0) + 4;
    const height = Math.ceil(laid.height ?? 0) + 4;
    svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    svg.style.maxWidth = `${Math.max(width, 300)}px`;
    svg.dataset.machine = graph.machine;
  }

  window.roshiGraph = { draw, activePaths, parseState };
})();
