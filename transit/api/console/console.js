// The console's live pages (map, line ladder, alarms): redraw what the
// console's socket pushes (/console/socket); without a socket, poll the
// page's JSON every 1.5 s and try the socket again every 10 s. Texts are set
// with textContent only: nothing received is ever parsed as HTML, except the
// alarms page's own list, fetched from this site and swapped in whole.
(function () {
  'use strict';
  var root = document.getElementById('live-root');
  if (!root || !window.fetch) return;
  var view = root.getAttribute('data-view'), route = root.getAttribute('data-route') || '';
  var SVG = 'http://www.w3.org/2000/svg';

  function setText(id, value) {
    var el = document.getElementById(id);
    if (el && el.textContent !== value) el.textContent = value;
  }

  function keyed(layer) {
    var found = {};
    Array.prototype.forEach.call(layer.children, function (el) { found[el.getAttribute('data-vehicle')] = el; });
    return found;
  }

  function drawMap(d) {
    setText('updated', d.updated);
    setText('summary', d.summary);
    var layer = document.getElementById('vehicles'), old = keyed(layer);
    d.vehicles.forEach(function (v) {
      var dot = old[v[0]];
      if (dot) { delete old[v[0]]; } else {
        dot = document.createElementNS(SVG, 'circle');
        dot.setAttribute('r', '4');
        dot.setAttribute('data-vehicle', v[0]);
        dot.appendChild(document.createElementNS(SVG, 'title'));
        layer.appendChild(dot);
      }
      dot.setAttribute('cx', v[2]);
      dot.setAttribute('cy', v[3]);
      dot.setAttribute('class', v[4]);
      dot.firstChild.textContent = v[0] + ' ' + v[1];
    });
    Object.keys(old).forEach(function (id) { layer.removeChild(old[id]); });
    document.querySelectorAll('#lines tbody tr').forEach(function (row) {
      var line = d.lines[row.getAttribute('data-route')];
      if (!line) return;
      row.className = line[0];
      ['state', 'buses', 'h0', 'h1', 'alarms'].forEach(function (cls, i) {
        var cell = row.querySelector('td.' + cls);
        if (cell) cell.textContent = line[i + 1];
      });
    });
  }

  function drawLine(d) {
    setText('updated', d.updated);
    setText('freshness', d.freshness);
    var freshness = document.getElementById('freshness');
    if (freshness) freshness.className = 'freshness ' + d.state;
    var ladder = document.getElementById('ladder'), layer = document.getElementById('buses');
    var railX = ladder.getAttribute('data-rail-x').split(','), old = keyed(layer);
    d.buses.forEach(function (b) {
      var bus = old[b[0]];
      if (bus && bus.getAttribute('data-rail') === String(b[1])) { delete old[b[0]]; } else {
        bus = document.createElementNS(SVG, 'g');
        bus.setAttribute('data-vehicle', b[0]);
        bus.setAttribute('data-rail', b[1]);
        bus.appendChild(document.createElementNS(SVG, 'circle')).setAttribute('r', '8');
        var label = bus.appendChild(document.createElementNS(SVG, 'text'));
        label.setAttribute('class', 'buslabel');
        label.setAttribute('x', b[1] === 0 ? '12' : '-12');
        label.setAttribute('y', '4');
        label.setAttribute('text-anchor', b[1] === 0 ? 'start' : 'end');
        label.textContent = b[0];
        layer.appendChild(bus);
      }
      bus.setAttribute('transform', 'translate(' + railX[b[1]] + ',' + b[2] + ')');
      bus.setAttribute('class', b[3]);
    });
    Object.keys(old).forEach(function (id) { layer.removeChild(old[id]); });
    var body = document.querySelector('#headways tbody');
    if (!body) return;
    body.textContent = '';
    d.headways.forEach(function (h) {
      var row = body.insertRow();
      row.className = h[h.length - 1];
      h.slice(0, -1).forEach(function (cell) { row.insertCell().textContent = cell; });
    });
    var none = document.getElementById('no-headways');
    if (none) none.hidden = d.headways.length > 0;
  }

  function drawAlarms(d) {
    setText('alarm-count', String(d.count));
    var list = document.getElementById('alarm-list');
    if (view !== 'alarms' || !list || list.getAttribute('data-signature') === d.signature) return;
    var typing = Array.prototype.some.call(list.querySelectorAll('input[name=note]'), function (input) {
      return input.value !== '' || input === document.activeElement;
    });
    if (typing) {  // never throw away a note being written: say there is news instead
      document.getElementById('alarms-changed').hidden = false;
      return;
    }
    fetch(location.pathname, {credentials: 'same-origin'}).then(function (r) { return r.text(); }).then(function (html) {
      var fresh = new DOMParser().parseFromString(html, 'text/html').getElementById('alarm-list');
      if (fresh) list.replaceWith(fresh);
    });
  }

  function handle(d) {
    if (d.type === 'map') drawMap(d);
    else if (d.type === 'line') drawLine(d);
    else if (d.type === 'alarms') drawAlarms(d);
  }

  var polling = null;
  function poll() {
    fetch(root.getAttribute('data-json'), {credentials: 'same-origin', redirect: 'manual'}).then(function (r) {
      if (r.status !== 200) { location.reload(); return []; }  // logged out: the page goes to the log-in form
      return r.json();
    }).then(function (messages) { messages.forEach(handle); });
  }

  function connect() {
    var url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/console/socket?view=' + view
      + (route ? '&route=' + encodeURIComponent(route) : '');
    var socket = new WebSocket(url);
    socket.onopen = function () { if (polling) { clearInterval(polling); polling = null; } };
    socket.onmessage = function (m) { handle(JSON.parse(m.data)); };
    socket.onclose = function (e) {
      if (e.code === 4001) { location.reload(); return; }  // the session ended
      if (!polling) polling = setInterval(poll, 1500);
      setTimeout(connect, 10000);
    };
  }
  connect();
}());
