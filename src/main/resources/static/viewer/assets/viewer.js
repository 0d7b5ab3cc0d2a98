// The HIPT slide viewer: the slide as Deep Zoom tiles in OpenSeadragon, a heatmap layer over it, the region grid,
// the analysis job, the predictions and a scale bar. Every API call carries the key from the login form in the
// X-API-Key header (kept in sessionStorage); the key never goes into a URL.
(function () {
  'use strict';

  const KEY = 'hipt.apiKey';
  const slideId = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop());
  const api = '/api/v1/slides/' + encodeURIComponent(slideId);
  const state = window.hiptViewer = {
    slideId: slideId, viewer: null, slideTilesLoaded: 0, overlayTilesLoaded: 0, tileFailures: 0, errors: [],
    overlay: null, layers: [], regions: [], slide: null
  };
  window.addEventListener('error', e => state.errors.push(String(e.message)));
  window.addEventListener('unhandledrejection', e => state.errors.push(String(e.reason)));

  const $ = id => document.getElementById(id);
  const headers = () => {
    const key = sessionStorage.getItem(KEY);
    return key ? { 'X-API-Key': key } : {};
  };

  class Unauthorized extends Error {}

  async function call(path, accept) {
    const answer = await fetch(path, { headers: Object.assign({ Accept: accept || 'application/json' }, headers()) });
    if (answer.status === 401 || answer.status === 403) {
      throw new Unauthorized('the API key was refused (' + answer.status + ')');
    }
    return answer;
  }

  async function json(path) {
    const answer = await call(path);
    const body = await answer.json();
    return { status: answer.status, body: body };
  }

  function showLogin(message) {
    document.body.dataset.state = 'login';
    $('main').hidden = true;
    $('login').hidden = false;
    $('login-error').hidden = !message;
    $('login-error').textContent = message || '';
    $('api-key').focus();
  }

  $('login').addEventListener('submit', event => {
    event.preventDefault();
    sessionStorage.setItem(KEY, $('api-key').value);
    $('api-key').value = '';
    start();
  });

  function fail(error) {
    if (error instanceof Unauthorized) {
      showLogin(error.message);
      return;
    }
    document.body.dataset.state = 'error';
    $('error').hidden = false;
    $('error').textContent = String(error.message || error);
  }

  async function start() {
    if (!sessionStorage.getItem(KEY)) {
      showLogin();
      return;
    }
    try {
      const slide = await json(api);
      if (slide.status !== 200) {
        throw new Error(slide.body.detail || ('slide ' + slideId + ': ' + slide.status));
      }
      state.slide = slide.body;
      $('login').hidden = true;
      $('main').hidden = false;
      showSlide(slide.body);
      await openViewer();
      showJob(slide.body.latestJob);
      await loadResults();
      document.body.dataset.state = 'ready';
    } catch (error) {
      fail(error);
    }
  }

  function showSlide(slide) {
    $('title').textContent = slide.filename;
    const facts = [['size', slide.width + ' × ' + slide.height + ' px'],
      ['levels', slide.levels.length], ['MPP', slide.mppX ? slide.mppX.toFixed(4) + ' µm/px (' + slide.mppSource + ')'
        : 'unknown'], ['format', slide.format], ['status', slide.status]];
    $('slide-facts').replaceChildren(...facts.flatMap(([k, v]) => {
      const dt = document.createElement('dt');
      dt.textContent = k;
      const dd = document.createElement('dd');
      dd.textContent = v;
      return [dt, dd];
    }));
  }

  /** The DZI descriptor fetched with the key, as the object form OpenSeadragon's DziTileSource reads. */
  async function dzi(path) {
    const answer = await call(path + '/dzi', 'application/xml');
    if (answer.status !== 200) {
      throw new Error('Deep Zoom descriptor ' + path + ': ' + answer.status);
    }
    const xml = new DOMParser().parseFromString(await answer.text(), 'application/xml');
    const image = xml.documentElement;
    const size = image.getElementsByTagName('Size')[0];
    return { Image: { xmlns: image.namespaceURI, Url: path + '/dzi_files/', Format: image.getAttribute('Format'),
      Overlap: image.getAttribute('Overlap'), TileSize: image.getAttribute('TileSize'),
      Size: { Width: size.getAttribute('Width'), Height: size.getAttribute('Height') } } };
  }

  async function openViewer() {
    if (state.viewer) {
      return;
    }
    const source = await dzi(api);
    const viewer = state.viewer = OpenSeadragon({
      id: 'osd', prefixUrl: '/webjars/openseadragon/build/openseadragon/images/', showNavigationControl: false,
      loadTilesWithAjax: true, ajaxHeaders: headers(), maxZoomPixelRatio: 4,
      // no more tile requests at once than the service reads at once by default
      // (hipt.viewer.max-concurrent-tile-reads): OpenSeadragon 2.4 does not retry a tile answered 503 TILES_BUSY
      imageLoaderLimit: 4,
      gestureSettingsMouse: { clickToZoom: false }, crossOriginPolicy: false
    });
    viewer.addHandler('tile-loaded', event => {
      if (event.tiledImage === state.overlay) {
        state.overlayTilesLoaded++;
      } else {
        state.slideTilesLoaded++;
      }
    });
    viewer.addHandler('tile-load-failed', event => {
      state.tileFailures++;
      state.errors.push('tile failed: ' + event.message);
    });
    viewer.addHandler('animation', updateScaleBar);
    viewer.addHandler('open', updateScaleBar);
    viewer.addHandler('resize', updateScaleBar);
    await new Promise((resolve, reject) => {
      viewer.addOnceHandler('open', resolve);
      viewer.addOnceHandler('open-failed', event => reject(new Error('viewer: ' + event.message)));
      viewer.open(source);
    });
    new OpenSeadragon.MouseTracker({ element: viewer.canvas, moveHandler: event => showRegionAt(event.position) })
        .setTracking(true);
  }

  function showJob(job) {
    const badge = $('job');
    if (!job) {
      badge.textContent = 'not analysed';
      badge.className = 'badge';
      return;
    }
    const progress = job.progress && job.progress.total ? ' ' + job.progress.done + '/' + job.progress.total : '';
    badge.textContent = job.status + progress;
    badge.className = 'badge ' + job.status;
    badge.title = job.error ? job.error.code + ': ' + job.error.detail : 'Analysis job ' + job.id;
    if (job.status === 'QUEUED' || job.status === 'RUNNING') {
      setTimeout(pollJob, 3000);
    }
  }

  async function pollJob() {
    try {
      const slide = await json(api);
      state.slide = slide.body;
      showJob(slide.body.latestJob);
      if (slide.body.latestJob && slide.body.latestJob.status === 'SUCCEEDED') {
        await loadResults();
      }
    } catch (error) {
      fail(error);
    }
  }

  async function loadResults() {
    const overlays = await json(api + '/overlays');
    if (overlays.status !== 200) {
      $('overlay-note').textContent = 'No heatmap yet: ' + (overlays.body.detail || overlays.status);
      $('predictions').textContent = 'No predictions yet.';
      return;
    }
    state.layers = overlays.body.layers;
    state.regions = overlays.body.regions;
    const select = $('overlay-layer');
    select.replaceChildren(...state.layers.map(layer => {
      const option = document.createElement('option');
      option.value = layer.name;
      option.textContent = layer.title;
      option.title = layer.description;
      return option;
    }));
    $('overlay-note').textContent = state.regions.length + ' regions of 4096 × 4096 px at 20× (model '
        + overlays.body.modelVersion + ')';
    drawGrid();
    await showLayer(select.value);
    await loadPredictions();
  }

  function showRange(name) {
    const layer = state.layers.find(l => l.name === name);
    const labels = $('colour-bar').querySelectorAll('span:not(.bar)');
    labels[0].textContent = layer ? String(layer.min) : '';
    labels[1].textContent = layer ? String(layer.max) : '';
  }

  async function showLayer(name) {
    showRange(name);
    if (state.overlay) {
      state.viewer.world.removeItem(state.overlay);
      state.overlay = null;
    }
    if (!name) {
      return;
    }
    const source = await dzi(api + '/overlays/' + encodeURIComponent(name));
    await new Promise((resolve, reject) => state.viewer.addTiledImage({
      tileSource: source, opacity: opacity(), loadTilesWithAjax: true, ajaxHeaders: headers(),
      success: event => {
        state.overlay = event.item;
        state.overlay.setOpacity(opacity());
        resolve();
      },
      error: event => reject(new Error('heatmap layer ' + name + ': ' + event.message))
    }));
  }

  function opacity() {
    return $('overlay-on').checked ? Number($('overlay-opacity').value) / 100 : 0;
  }

  $('overlay-opacity').addEventListener('input', () => state.overlay && state.overlay.setOpacity(opacity()));
  $('overlay-on').addEventListener('change', () => state.overlay && state.overlay.setOpacity(opacity()));
  $('overlay-layer').addEventListener('change', event => showLayer(event.target.value).catch(fail));
  $('grid-on').addEventListener('change', drawGrid);

  /** The slide's own tiled image (the heatmap layer is the second); coordinates are taken from it. */
  function slideImage() {
    return state.viewer.world.getItemAt(0);
  }

  function drawGrid() {
    const viewer = state.viewer;
    viewer.clearOverlays();
    if (!$('grid-on').checked) {
      return;
    }
    for (const region of state.regions) {
      const box = document.createElement('div');
      box.className = 'region-box';
      viewer.addOverlay(box, slideImage().imageToViewportRectangle(region.x, region.y, region.width,
          region.height));
    }
  }

  function showRegionAt(position) {
    if (!state.viewer || state.regions.length === 0) {
      return;
    }
    const point = slideImage().viewerElementToImageCoordinates(position);
    const region = state.regions.find(r => point.x >= r.x && point.x < r.x + r.width && point.y >= r.y
        && point.y < r.y + r.height);
    $('region-info').textContent = region ? 'Region ' + region.index + ' at (' + region.x + ', ' + region.y + '): '
        + Object.entries(region.scores).map(([k, v]) => k + ' ' + v.toFixed(3)).join(', ')
        : 'Hover a region for its scores.';
  }

  async function loadPredictions() {
    const answer = await json(api + '/predictions');
    const box = $('predictions');
    if (answer.status !== 200) {
      box.textContent = 'No predictions: ' + (answer.body.detail || answer.status);
      return;
    }
    const p = answer.body;
    const lines = [];
    if (p.subtype) {
      lines.push('Subtype: ' + p.subtype.label + ' (' + p.subtype.classes.map((c, i) => c + ' '
          + (100 * p.subtype.probabilities[i]).toFixed(1) + '%').join(', ') + ')');
    }
    if (p.survival) {
      lines.push('Survival risk: ' + p.survival.risk.toFixed(3));
    }
    if (lines.length === 0) {
      lines.push(p.note || 'No slide head configured.');
    }
    box.replaceChildren(...lines.map(line => {
      const div = document.createElement('div');
      div.textContent = line;
      return div;
    }));
  }

  /** A bar of a round length (1, 2 or 5 × 10^n µm) about 120 screen pixels long, from the slide's MPP. */
  function updateScaleBar() {
    const viewer = state.viewer;
    const bar = $('scale-bar');
    const mpp = state.slide && state.slide.mppX;
    if (!viewer || !mpp || !viewer.world.getItemAt(0)) {
      bar.hidden = true;
      return;
    }
    const a = slideImage().imageToViewerElementCoordinates(new OpenSeadragon.Point(0, 0));
    const b = slideImage().imageToViewerElementCoordinates(new OpenSeadragon.Point(1000, 0));
    const screenPixelsPerImagePixel = (b.x - a.x) / 1000;
    const micronsPerScreenPixel = mpp / screenPixelsPerImagePixel;
    const target = 120 * micronsPerScreenPixel;
    const power = Math.pow(10, Math.floor(Math.log10(target)));
    const length = [5, 2, 1].map(m => m * power).find(l => l <= target) || power;
    bar.hidden = false;
    bar.querySelector('.line').style.width = (length / micronsPerScreenPixel) + 'px';
    bar.querySelector('.label').textContent = length >= 1000 ? (length / 1000) + ' mm' : length + ' µm';
    state.scaleBarMicrons = length;
  }

  start();
})();
