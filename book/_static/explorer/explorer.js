/*
 * GAN Book explorer: precomputed GAN runs, browsed in the static book (chapters 2, 4 and 8).
 *
 * A page holds `<div class="gan-explorer" data-explorer="ch2"></div>` and loads the chapter's data
 * with `<script src="../_static/explorer/ch2.js"></script>`; the data file (written by
 * tools/explorer_data.py) sets window.GAN_EXPLORER_DATA["ch2"]. On DOMContentLoaded this script
 * builds, in every such div, the controls (one radio group per knob, the view switches, a step
 * scrubber with a play button), canvases and readouts, and draws the stored snapshot of the run
 * the knobs pick. No framework, no network, no kernel: it works from file:// too.
 *
 * State for tests (tools/explorer_browser_check.py) is mirrored on the root element:
 * data-run (the run key: option ids joined by "|"), data-index (scrubber position),
 * data-requested / data-rendered (a render counter: equal once the picture is drawn).
 */
(function () {
  "use strict";

  var COLORS = { d: "#1f77b4", g: "#e8710a", arrow: "#1a9641", real: "rgba(0,0,0,0.5)",
                 manifold: "rgba(94,60,153,0.4)", modes: "#7b3294", quality: "#008837", fdG: "#e8710a",
                 fdEma: "#5e3c99" };
  // matplotlib's RdBu, the book's colour map for D: red = "generated", blue = "real".
  var RDBU = [[103, 0, 31], [178, 24, 43], [214, 96, 77], [244, 165, 130], [253, 219, 199], [247, 247, 247],
              [209, 229, 240], [146, 197, 222], [67, 147, 195], [33, 102, 172], [5, 48, 97]];
  var ARROW_LENGTH = 0.1;  // the longest arrow, as a fraction of the view (as in gan_lib.widgets.figures)
  var PLAY_INTERVAL_MS = 700;
  var instances = 0;

  // --- decoding (the inverse of tools/explorer_data.py's encoders) -------------------------------------
  function bytesOf(b64) {
    var text = atob(b64), out = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
    return out;
  }
  function decodeI16(b64, scale) {
    var bytes = bytesOf(b64), view = new DataView(bytes.buffer), n = bytes.length / 2;
    var out = new Float32Array(n);
    for (var i = 0; i < n; i++) out[i] = view.getInt16(2 * i, true) * scale;
    return out;
  }
  function runKey(ids) { return ids.join("|"); }

  function rdbu(t) {
    t = Math.max(0, Math.min(1, t)) * (RDBU.length - 1);
    var i = Math.min(RDBU.length - 2, Math.floor(t)), f = t - i, a = RDBU[i], b = RDBU[i + 1];
    return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
  }

  // --- small DOM helpers ---------------------------------------------------------------------------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") node.textContent = attrs[name];
      else if (name === "className") node.className = attrs[name];
      else node.setAttribute(name, attrs[name]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }
  function show(value) { return value === null || value === undefined ? "\u2014" : String(value); }

  // A canvas drawn at its displayed size (crisp text and lines at any column width): `square` areas keep
  // height = width, the others a fixed height. `fit` re-sizes the backing store when the layout changed.
  function setupCanvas(canvas, width, height, square) {
    var area = { canvas: canvas, ctx: canvas.getContext("2d"), width: 0, height: height, square: !!square };
    resize(area, width);
    return area;
  }
  function resize(area, width) {
    var ratio = Math.min(2, window.devicePixelRatio || 1), height = area.square ? width : area.height;
    area.canvas.width = Math.round(width * ratio);
    area.canvas.height = Math.round(height * ratio);
    area.canvas.style.aspectRatio = width + " / " + height;
    area.ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    area.width = width;
    area.height = height;
  }
  function fit(area) {
    var width = Math.round(area.canvas.clientWidth);
    if (width > 0 && Math.abs(width - area.width) >= 2) resize(area, width);
    return area;
  }

  function textColor(root) { return getComputedStyle(root).color || "#222"; }

  // --- a line chart of series over steps, the current step marked -----------------------------------
  function quantileRange(values) {
    var finite = values.filter(function (v) { return v !== null && isFinite(v); }).sort(function (a, b) { return a - b; });
    if (!finite.length) return [0, 1];
    var lo = finite[Math.floor(0.01 * (finite.length - 1))], hi = finite[Math.ceil(0.99 * (finite.length - 1))];
    if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
    var pad = 0.08 * (hi - lo);
    return [lo - pad, hi + pad];
  }

  function niceNumber(v) {
    if (v === 0) return "0";
    var a = Math.abs(v);
    return a >= 1000 || a < 0.01 ? v.toExponential(0) : String(Number(v.toPrecision(2)));
  }

  function drawChart(area, opts) {
    fit(area);
    // opts: {xMax, yRange, series: [{label, color, xs, ys, dots}], current, title, yLabel, empty, percent, fg}
    var ctx = area.ctx, w = area.width, h = area.height, fg = opts.fg;
    var left = 40, right = 8, top = 20, bottom = 20;
    ctx.clearRect(0, 0, w, h);
    ctx.font = "11px system-ui, sans-serif";
    ctx.fillStyle = fg;
    ctx.textBaseline = "alphabetic";
    if (opts.empty) {
      ctx.globalAlpha = 0.7;
      ctx.fillText(opts.empty, left, h / 2);
      ctx.globalAlpha = 1;
      return;
    }
    var y0 = opts.yRange[0], y1 = opts.yRange[1], xMax = Math.max(1, opts.xMax);
    function X(x) { return left + (w - left - right) * (x / xMax); }
    function Y(y) { return top + (h - top - bottom) * (1 - (y - y0) / (y1 - y0)); }
    // axes and ticks
    ctx.strokeStyle = fg;
    ctx.globalAlpha = 0.35;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(left, top); ctx.lineTo(left, h - bottom); ctx.lineTo(w - right, h - bottom);
    ctx.stroke();
    ctx.globalAlpha = 0.12;
    [0.25, 0.5, 0.75].forEach(function (f) {
      ctx.beginPath(); ctx.moveTo(left, top + (h - top - bottom) * f); ctx.lineTo(w - right, top + (h - top - bottom) * f); ctx.stroke();
    });
    ctx.globalAlpha = 0.8;
    ctx.textAlign = "right";
    ctx.fillText(opts.percent ? Math.round(y1) + "%" : niceNumber(y1), left - 4, top + 4);
    ctx.fillText(opts.percent ? Math.round(y0) + "%" : niceNumber(y0), left - 4, h - bottom);
    ctx.textAlign = "left";
    ctx.fillText("0", left, h - 6);
    ctx.textAlign = "right";
    ctx.fillText("step " + xMax, w - right, h - 6);
    ctx.textAlign = "left";
    // legend
    var lx = left + 4;
    opts.series.forEach(function (s) {
      ctx.globalAlpha = 1;
      ctx.fillStyle = s.color;
      ctx.fillRect(lx, 7, 14, 3);
      ctx.fillStyle = fg;
      ctx.fillText(s.label, lx + 18, 12);
      lx += 24 + ctx.measureText(s.label).width;
    });
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top - 2, w - left - right, h - top - bottom + 4);
    ctx.clip();
    // series: faded beyond the current step, solid up to it
    opts.series.forEach(function (s) {
      [0.22, 1].forEach(function (alpha, pass) {
        ctx.globalAlpha = alpha;
        ctx.strokeStyle = s.color;
        ctx.lineWidth = 1.5;
        ctx.beginPath();
        var started = false;
        for (var i = 0; i < s.xs.length; i++) {
          if (pass === 1 && s.xs[i] > opts.current) break;
          var y = s.ys[i];
          if (y === null || !isFinite(y)) { started = false; continue; }
          var px = X(s.xs[i]), py = Y(Math.max(y0 - (y1 - y0), Math.min(y1 + (y1 - y0), y)));
          if (started) ctx.lineTo(px, py); else ctx.moveTo(px, py);
          started = true;
        }
        ctx.stroke();
        if (s.dots) {
          ctx.fillStyle = s.color;
          for (var j = 0; j < s.xs.length; j++) {
            if ((pass === 1 && s.xs[j] > opts.current) || s.ys[j] === null) continue;
            ctx.beginPath(); ctx.arc(X(s.xs[j]), Y(s.ys[j]), s.xs[j] === opts.current ? 4 : 2, 0, 2 * Math.PI); ctx.fill();
          }
        }
      });
    });
    ctx.restore();
    // the current step
    ctx.globalAlpha = 0.9;
    ctx.strokeStyle = fg;
    ctx.setLineDash([4, 3]);
    ctx.beginPath(); ctx.moveTo(X(opts.current), top - 2); ctx.lineTo(X(opts.current), h - bottom); ctx.stroke();
    ctx.setLineDash([]);
    ctx.globalAlpha = 1;
  }

  // --- the explorer ----------------------------------------------------------------------------------
  function Explorer(root, data) {
    this.root = root;
    this.data = data;
    this.id = "ge" + (++instances) + "-" + data.chapter;
    this.choice = {};
    data.knobs.forEach(function (knob) { this.choice[knob.name] = knob.default; }, this);
    this.index = data.steps.length - 1;
    this.generation = 0;
    this.timer = null;
    this.images = {};  // data URI -> decoded Image
    this.layers = data.kind === "toy"
      ? { heat: true, real: true, fake: true, arrows: true, manifold: true }
      : { source: "ema" };
    this.build();
    this.select();
  }

  Explorer.prototype.build = function () {
    var self = this, data = this.data, root = this.root;
    root.textContent = "";
    root.classList.add("ge-ready");
    root.setAttribute("role", "group");
    root.setAttribute("aria-label", data.title);
    root.appendChild(el("p", { className: "ge-title", text: data.title }));
    root.appendChild(el("p", { className: "ge-intro", text: data.intro }));

    var controls = el("div", { className: "ge-controls" });
    data.knobs.forEach(function (knob) {
      var name = self.id + "-" + knob.name;
      var set = el("fieldset", { className: "ge-knob", "data-knob": knob.name }, [el("legend", { text: knob.label })]);
      if (knob.help) set.title = knob.help;
      knob.options.forEach(function (option) {
        var input = el("input", { type: "radio", name: name, value: option.id });
        input.checked = option.id === self.choice[knob.name];
        input.addEventListener("change", function () { if (input.checked) { self.choice[knob.name] = option.id; self.select(); } });
        set.appendChild(el("label", { className: "ge-option" }, [input, el("span", { text: option.label })]));
      });
      controls.appendChild(set);
    });
    var views = el("fieldset", { className: "ge-knob ge-views" }, [el("legend", { text: "Show" })]);
    if (data.kind === "toy") {
      [["heat", "D's map"], ["real", "real data"], ["fake", "G's samples"], ["arrows", "G's gradient"],
       ["manifold", "G's latent grid"]].forEach(function (pair) {
        var input = el("input", { type: "checkbox", value: pair[0], "data-layer": pair[0] });
        input.checked = self.layers[pair[0]];
        input.addEventListener("change", function () { self.layers[pair[0]] = input.checked; self.render(); });
        views.appendChild(el("label", { className: "ge-option" }, [input, el("span", { text: pair[1] })]));
      });
    } else {
      [["ema", "G's moving average (EMA)"], ["g", "G itself"]].forEach(function (pair) {
        var input = el("input", { type: "radio", name: self.id + "-source", value: pair[0], "data-layer": "source" });
        input.checked = self.layers.source === pair[0];
        input.addEventListener("change", function () { if (input.checked) { self.layers.source = pair[0]; self.render(); } });
        views.appendChild(el("label", { className: "ge-option" }, [input, el("span", { text: pair[1] })]));
      });
    }
    controls.appendChild(views);
    root.appendChild(controls);

    this.play = el("button", { type: "button", className: "ge-play", "aria-pressed": "false", text: "\u25B6 Play" });
    this.play.addEventListener("click", function () { self.togglePlay(); });
    this.slider = el("input", { type: "range", className: "ge-slider", min: "0", max: String(data.steps.length - 1),
                                step: "1", value: String(this.index), "aria-label": "Training step" });
    this.slider.addEventListener("input", function () { self.stopPlay(); self.index = Number(self.slider.value); self.render(); });
    this.stepText = el("output", { className: "ge-step", "aria-hidden": "true" });
    root.appendChild(el("div", { className: "ge-scrub" }, [this.play, this.slider, this.stepText]));

    var body = el("div", { className: "ge-body ge-" + data.kind });
    if (data.kind === "toy") {
      this.field = setupCanvas(el("canvas", { className: "ge-field", role: "img" }), 380, 380, true);
      this.colorbar = el("div", { className: "ge-colorbar" });
      this.colorLabel = el("span");
      body.appendChild(el("figure", { className: "ge-figure" }, [this.field.canvas,
        el("figcaption", {}, [
          el("span", { className: "ge-key" }, [el("i", { className: "ge-dot ge-dot-fake" }), document.createTextNode(" G's samples")]),
          el("span", { className: "ge-key" }, [el("i", { className: "ge-dot ge-dot-real" }), document.createTextNode(" real data")]),
          el("span", { className: "ge-key" }, [el("i", { className: "ge-arrow" }), document.createTextNode(" G's gradient")]),
          el("span", { className: "ge-key" }, [el("i", { className: "ge-grid" }), document.createTextNode(" G's latent grid")]),
          el("span", { className: "ge-key ge-key-bar" }, [el("span", { text: "fake" }), this.colorbar, el("span", { text: "real" }), this.colorLabel])
        ])]));
    } else {
      this.samples = setupCanvas(el("canvas", { className: "ge-samples", role: "img" }), 300, 300, true);
      this.walk = setupCanvas(el("canvas", { className: "ge-walk", role: "img" }), 250, 250, true);
      this.samplesCaption = el("figcaption");
      body.appendChild(el("figure", { className: "ge-figure" }, [this.samples.canvas, this.samplesCaption]));
      body.appendChild(el("figure", { className: "ge-figure" }, [this.walk.canvas,
        el("figcaption", { text: data.walk_caption })]));
    }
    var side = el("div", { className: "ge-side" });
    this.losses = setupCanvas(el("canvas", { className: "ge-losses", role: "img" }), 380, 150);
    this.metrics = setupCanvas(el("canvas", { className: "ge-metrics", role: "img" }), 380, 110);
    side.appendChild(this.losses.canvas);
    side.appendChild(this.metrics.canvas);
    this.readouts = el("dl", { className: "ge-readouts" });
    side.appendChild(this.readouts);
    body.appendChild(side);
    root.appendChild(body);
    this.note = el("p", { className: "ge-note", role: "status", "aria-live": "polite" });
    root.appendChild(this.note);
    this.call = el("code");
    root.appendChild(el("details", { className: "ge-details" }, [el("summary", { text: "How this run was made" }),
      el("p", {}, [document.createTextNode("gan_lib call: "), this.call]),
      el("p", { text: "Trained to each snapshot step with gan_lib.widgets.TrainingSession; data regenerated by "
                      + data.generated_by + " (gan_lib " + data.versions.gan_lib + ", torch " + data.versions.torch
                      + ", seed " + data.seed + ")." })]));
    if (window.ResizeObserver) {  // a new column width: redraw the canvases at their new size
      var lastWidth = 0;
      new ResizeObserver(function () {
        var width = root.clientWidth;
        if (width !== lastWidth) { lastWidth = width; self.render(); }
      }).observe(root);
    }
    if (window.MutationObserver) {  // the book's light/dark switch: redraw the charts in the new text colour
      new MutationObserver(function () { self.render(); })
        .observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme", "data-mode"] });
    }
  };

  Explorer.prototype.key = function () {
    var self = this;
    return runKey(this.data.knobs.map(function (knob) { return self.choice[knob.name]; }));
  };

  Explorer.prototype.select = function () {
    this.run = this.data.runs[this.key()];
    this.decoded = [];
    this.render();
  };

  Explorer.prototype.snapshotIndex = function () {
    return Math.max(0, Math.min(this.index, this.run.snapshots.length - 1));
  };

  Explorer.prototype.togglePlay = function () {
    if (this.timer) { this.stopPlay(); return; }
    var self = this;
    if (this.index >= this.data.steps.length - 1) { this.index = 0; this.slider.value = "0"; this.render(); }
    this.play.textContent = "\u23F8 Pause";
    this.play.setAttribute("aria-pressed", "true");
    this.timer = setInterval(function () {
      if (self.index >= self.data.steps.length - 1) { self.stopPlay(); return; }
      self.index += 1;
      self.slider.value = String(self.index);
      self.render();
    }, PLAY_INTERVAL_MS);
  };

  Explorer.prototype.stopPlay = function () {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.play.textContent = "\u25B6 Play";
    this.play.setAttribute("aria-pressed", "false");
  };

  Explorer.prototype.readout = function (rows) {
    var dl = this.readouts;
    dl.textContent = "";
    rows.forEach(function (row) {
      dl.appendChild(el("div", {}, [el("dt", { text: row[0] }), el("dd", { "data-readout": row[1], text: row[2] })]));
    });
  };

  Explorer.prototype.settingsText = function () {
    var self = this;
    return this.data.knobs.map(function (knob) {
      var option = knob.options.filter(function (o) { return o.id === self.choice[knob.name]; })[0];
      return knob.label + ": " + option.label;
    }).join(" \u00B7 ");
  };

  Explorer.prototype.render = function () {
    var generation = ++this.generation, root = this.root, data = this.data, run = this.run;
    root.setAttribute("data-requested", String(generation));
    root.setAttribute("data-run", this.key());
    root.setAttribute("data-index", String(this.index));
    var step = data.steps[this.index];
    this.stepText.textContent = "step " + step + " of " + data.steps[data.steps.length - 1];
    this.slider.setAttribute("aria-valuetext", "step " + step);
    this.call.textContent = run.call;
    var fg = textColor(root), self = this;
    var finished = function () { if (generation === self.generation) root.setAttribute("data-rendered", String(generation)); };
    if (run.refused) {
      this.note.textContent = "gan_lib refuses this combination: " + run.refused;
      this.note.className = "ge-note ge-error";
      this.drawRefused(fg);
      finished();
      return;
    }
    var shown = this.snapshotIndex(), snap = run.snapshots[shown];
    if (run.diverged && this.index > shown) {
      this.note.textContent = "This run diverged: " + run.diverged + " Showing step " + snap.step + ".";
      this.note.className = "ge-note ge-error";
    } else if (run.diverged) {
      this.note.textContent = "This run diverges after step " + run.snapshots[run.snapshots.length - 1].step + ".";
      this.note.className = "ge-note";
    } else {
      this.note.textContent = "";
      this.note.className = "ge-note";
    }
    var m = snap.metrics, rows = [["Step", "step", String(snap.step)], ["Settings", "settings", this.settingsText()],
                                  ["D loss", "d_loss", show(m.d_loss)], ["G loss", "g_loss", show(m.g_loss)]];
    var curve = run.curve, lossRange = quantileRange(curve.d_loss.concat(curve.g_loss));
    drawChart(this.losses, { fg: fg, xMax: data.steps[data.steps.length - 1], yRange: lossRange, current: snap.step,
      series: [{ label: "D loss", color: COLORS.d, xs: curve.step, ys: curve.d_loss },
               { label: "G loss", color: COLORS.g, xs: curve.step, ys: curve.g_loss }] });
    this.losses.canvas.setAttribute("aria-label", "Loss curves; at step " + snap.step + " D loss " + show(m.d_loss)
                                    + ", G loss " + show(m.g_loss));
    var snapSteps = run.snapshots.map(function (s) { return s.step; });
    if (data.kind === "toy") {
      var target = data.targets[run.settings.target];
      rows.push(["Modes captured", "modes", m.modes === undefined ? "\u2014" : m.modes + " of " + target.modes.length]);
      rows.push(["High-quality samples", "hq", m.hq === undefined ? "\u2014" : m.hq.toFixed(1) + "%"]);
      rows.push(["Largest |\u2202L_G/\u2202x|", "push", show(m.push)]);
      drawChart(this.metrics, { fg: fg, xMax: data.steps[data.steps.length - 1], yRange: [0, 100], percent: true,
        current: snap.step, series: [
          { label: "modes captured", color: COLORS.modes, xs: snapSteps, dots: true,
            ys: run.snapshots.map(function (s) { return s.metrics.modes === undefined ? null : 100 * s.metrics.modes / target.modes.length; }) },
          { label: "high-quality share", color: COLORS.quality, xs: snapSteps, dots: true,
            ys: run.snapshots.map(function (s) { return s.metrics.hq === undefined ? null : s.metrics.hq; }) }] });
      this.metrics.canvas.setAttribute("aria-label", "Mode coverage over training; at step " + snap.step + ": "
                                       + rows[4][2] + " modes, " + rows[5][2] + " high-quality");
      this.readout(rows);
      this.drawField(shown, target);
      finished();
    } else {
      var fdName = this.layers.source === "ema" ? "fd_ema" : "fd_g";
      rows.push(["FD (" + (this.layers.source === "ema" ? "EMA" : "G") + ")", "fd", show(m[fdName])]);
      var fdValues = run.snapshots.map(function (s) { return s.metrics.fd_ema; })
        .concat(run.snapshots.map(function (s) { return s.metrics.fd_g; }));
      drawChart(this.metrics, { fg: fg, xMax: data.steps[data.steps.length - 1],
        yRange: [0, Math.max.apply(null, fdValues.filter(function (v) { return v !== null; }).concat([1])) * 1.08],
        current: snap.step, series: [
          { label: "FD, EMA of G", color: COLORS.fdEma, xs: snapSteps, dots: true, ys: run.snapshots.map(function (s) { return s.metrics.fd_ema; }) },
          { label: "FD, G", color: COLORS.fdG, xs: snapSteps, dots: true, ys: run.snapshots.map(function (s) { return s.metrics.fd_g; }) }] });
      this.metrics.canvas.setAttribute("aria-label", "Frechet distance over training (lower is better); at step "
                                       + snap.step + ": " + show(m[fdName]));
      this.readout(rows);
      this.samplesCaption.textContent = data.grid_side * data.grid_side + " samples from fixed noise, "
        + (this.layers.source === "ema" ? "G's EMA" : "G itself") + ", step " + snap.step
        + " (FD: Fr\u00E9chet distance to " + data.fd_reference + ", " + data.fd_samples + " samples, lower is better)";
      Promise.all([this.image(snap.images[this.layers.source]), this.image(snap.images.walk)]).then(function (pictures) {
        if (generation !== self.generation) return;
        self.drawImage(self.samples, pictures[0], "Samples of G at step " + snap.step);
        self.drawImage(self.walk, pictures[1], "A walk through latent space at step " + snap.step);
        finished();
      }, function (error) { console.error("GAN explorer: an image did not decode", error); });
    }
  };

  Explorer.prototype.image = function (uri) {
    if (!this.images[uri]) {
      this.images[uri] = new Promise(function (resolve, reject) {
        var picture = new Image();
        picture.onload = function () { resolve(picture); };
        picture.onerror = reject;
        picture.src = uri;
      });
    }
    return this.images[uri];
  };

  Explorer.prototype.drawImage = function (area, picture, label) {
    fit(area);
    var ctx = area.ctx;
    ctx.clearRect(0, 0, area.width, area.height);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(picture, 0, 0, area.width, area.height);
    area.canvas.setAttribute("aria-label", label);
  };

  Explorer.prototype.drawRefused = function (fg) {
    this.readout([["Settings", "settings", this.settingsText()], ["Run", "run", "refused"]]);
    var areas = this.data.kind === "toy" ? [this.field, this.losses, this.metrics] : [this.samples, this.walk, this.losses, this.metrics];
    areas.forEach(function (area) {
      var ctx = fit(area).ctx;
      ctx.clearRect(0, 0, area.width, area.height);
      ctx.save();
      ctx.strokeStyle = fg;
      ctx.globalAlpha = 0.15;
      for (var x = -area.height; x < area.width; x += 12) {
        ctx.beginPath(); ctx.moveTo(x, area.height); ctx.lineTo(x + area.height, 0); ctx.stroke();
      }
      ctx.globalAlpha = 0.85;
      ctx.fillStyle = fg;
      ctx.font = "13px system-ui, sans-serif";
      ctx.textAlign = "center";
      ctx.fillText("refused: no run", area.width / 2, area.height / 2);
      ctx.restore();
    });
    if (this.field) this.field.canvas.setAttribute("aria-label", "No run: gan_lib refuses these settings");
  };

  Explorer.prototype.decode = function (shown) {
    if (!this.decoded[shown]) {
      var s = this.run.snapshots[shown], scale = this.data.coord_scale;
      this.decoded[shown] = { fake: decodeI16(s.fake, scale), push: decodeI16(s.push, s.push_scale),
                              heat: bytesOf(s.heat), manifold: decodeI16(s.manifold, scale) };
    }
    return this.decoded[shown];
  };

  Explorer.prototype.drawField = function (shown, target) {
    var area = fit(this.field), ctx = area.ctx, size = area.width, data = this.data, layers = this.layers;
    var snap = this.run.snapshots[shown], d = this.decode(shown);
    var lo = target.limits[0], hi = target.limits[1], span = hi - lo;
    function X(x) { return (x - lo) / span * size; }
    function Y(y) { return (1 - (y - lo) / span) * size; }
    ctx.save();
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, size, size);
    if (layers.heat) {
      var res = data.resolution, off = document.createElement("canvas");
      off.width = off.height = res;
      var octx = off.getContext("2d"), pixels = octx.createImageData(res, res);
      for (var row = 0; row < res; row++) {
        for (var col = 0; col < res; col++) {
          var c = rdbu(d.heat[row * res + col] / 255), at = ((res - 1 - row) * res + col) * 4;  // row 0 is the bottom
          pixels.data[at] = c[0]; pixels.data[at + 1] = c[1]; pixels.data[at + 2] = c[2]; pixels.data[at + 3] = 150;
        }
      }
      octx.putImageData(pixels, 0, 0);
      ctx.imageSmoothingEnabled = true;
      // grid points sit at the cell centres' edges: stretch so the first and last samples meet the borders
      var cell = size / (res - 1);
      ctx.drawImage(off, -cell / 2, -cell / 2, size + cell, size + cell);
    }
    if (layers.manifold) {
      var side = data.manifold_side, g = d.manifold;
      ctx.strokeStyle = COLORS.manifold;
      ctx.lineWidth = 0.9;
      for (var pass = 0; pass < 2; pass++) {
        for (var i = 0; i < side; i++) {
          ctx.beginPath();
          for (var j = 0; j < side; j++) {
            var k = pass === 0 ? i * side + j : j * side + i;
            if (j === 0) ctx.moveTo(X(g[2 * k]), Y(g[2 * k + 1])); else ctx.lineTo(X(g[2 * k]), Y(g[2 * k + 1]));
          }
          ctx.stroke();
        }
      }
    }
    if (layers.real) {
      if (!target.decoded) target.decoded = decodeI16(target.real, data.coord_scale);
      ctx.fillStyle = COLORS.real;
      for (var r = 0; r < target.decoded.length; r += 2) {
        ctx.beginPath(); ctx.arc(X(target.decoded[r]), Y(target.decoded[r + 1]), 1.6, 0, 2 * Math.PI); ctx.fill();
      }
    }
    if (layers.fake) {
      ctx.fillStyle = COLORS.g;
      ctx.strokeStyle = "rgba(80,40,0,0.6)";
      ctx.lineWidth = 0.6;
      for (var f = 0; f < d.fake.length; f += 2) {
        ctx.beginPath(); ctx.arc(X(d.fake[f]), Y(d.fake[f + 1]), 2.6, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
      }
    }
    if (layers.arrows) {
      var longest = 0;
      for (var a = 0; a < d.push.length; a += 2) longest = Math.max(longest, Math.hypot(d.push[a], d.push[a + 1]));
      var scale = longest > 0 ? ARROW_LENGTH * span / longest : 0;
      ctx.strokeStyle = COLORS.arrow;
      ctx.fillStyle = COLORS.arrow;
      ctx.lineWidth = 1.3;
      for (var p = 0; p < d.push.length; p += 2) {
        var x0 = X(d.fake[p]), y0 = Y(d.fake[p + 1]);
        var dx = d.push[p] * scale / span * size, dy = -d.push[p + 1] * scale / span * size, len = Math.hypot(dx, dy);
        if (len < 1.5) continue;
        ctx.beginPath(); ctx.moveTo(x0, y0); ctx.lineTo(x0 + dx, y0 + dy); ctx.stroke();
        var ux = dx / len, uy = dy / len, head = Math.min(5, len * 0.45);
        ctx.beginPath();
        ctx.moveTo(x0 + dx, y0 + dy);
        ctx.lineTo(x0 + dx - head * (ux - 0.5 * uy), y0 + dy - head * (uy + 0.5 * ux));
        ctx.lineTo(x0 + dx - head * (ux + 0.5 * uy), y0 + dy - head * (uy - 0.5 * ux));
        ctx.closePath(); ctx.fill();
      }
    }
    ctx.restore();
    ctx.strokeStyle = "rgba(0,0,0,0.35)";
    ctx.lineWidth = 1;
    ctx.strokeRect(0.5, 0.5, size - 1, size - 1);
    this.colorLabel.textContent = " " + this.run.heat_label;
    this.field.canvas.setAttribute("aria-label", "Step " + snap.step + ": G's samples (orange) over D's map (" + this.run.heat_label
      + "; blue: real, red: generated), with G's gradient (green arrows) and the real data (black). "
      + (snap.metrics.modes === undefined ? "" : snap.metrics.modes + " of " + target.modes.length + " modes captured."));
  };

  function mountAll() {
    var store = window.GAN_EXPLORER_DATA || {};
    Array.prototype.forEach.call(document.querySelectorAll(".gan-explorer[data-explorer]"), function (root) {
      if (root.classList.contains("ge-ready")) return;
      var name = root.getAttribute("data-explorer"), data = store[name];
      if (!data) {
        root.textContent = "The explorer's data (" + name + ".js) did not load.";
        console.error("GAN explorer: no data for '" + name + "'; load _static/explorer/" + name + ".js before the page finishes loading");
        return;
      }
      root.ganExplorer = new Explorer(root, data);
    });
  }

  window.GanExplorer = { mountAll: mountAll, decodeI16: decodeI16, runKey: runKey };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
  else mountAll();
})();
