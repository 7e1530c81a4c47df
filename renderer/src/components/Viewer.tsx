import { useCallback, useEffect, useLayoutEffect, useRef, useState, type PointerEvent, type ReactNode, type WheelEvent } from 'react';
import type { HeatmapImage, UiRow } from '../../../preload/ipc-contract';
import { bench, errorText } from '../bench';
import { baseName, bytes, fmt } from '../format';
import { providerLabel, storedText } from '../run-label';

interface Loaded {
  src: string;
  width: number;
  height: number;
  /** A difference map's kind and colour scale. */
  heat?: HeatmapImage;
}

/**
 * One image the viewer can show: the original, the stored copy, one provider's upscaled output (by row), or
 * where that output departs from the original (a heat map main computes when it is first shown).
 */
interface Source {
  key: string;
  label: string;
  row: number;
  which: 'original' | 'stored' | 'upscaled' | 'heatmap';
  /** An upscaled output's scores, beside its label. */
  scores?: string;
}

/** The slider's choice of image for one side. */
function SourceSelect({ side, sources, value, onChange }: { side: 'Left' | 'Right'; sources: Source[]; value: string; onChange: (key: string) => void }) {
  return (
    <label>
      {side}{' '}
      <select aria-label={`${side} image`} value={value} onChange={(e) => onChange(e.target.value)}>
        {sources.map((s) => (
          <option key={s.key} value={s.key}>
            {s.label}
          </option>
        ))}
      </select>
    </label>
  );
}

const MIN_ZOOM = 0.02;
const MAX_ZOOM = 32;

/**
 * The original, the stored copy and any of the providers' outputs for one image, side by side or as a
 * slider, with one zoom and pan for all. Zoom is in image pixels: 100% puts one image pixel on one screen
 * pixel; "Fit" shows the whole image in a pane. The stored copy is shown stretched to the original's size.
 * `nav` goes in the header (the sweep's previous/next image of a setting).
 */
export function Viewer({ runId, row, siblings = [], onClose, nav }: { runId: string; row: UiRow; siblings?: UiRow[]; onClose: () => void; nav?: ReactNode }) {
  const upscaled = [row, ...siblings.filter((s) => s.row !== row.row && s.status === 'ok' && s.image_path === row.image_path)];
  const sources: Source[] = [
    { key: 'original', label: 'Original', row: row.row, which: 'original' },
    { key: 'stored', label: row.factor === 1 ? 'Stored (full size, re-encoded)' : 'Stored (downscaled)', row: row.row, which: 'stored' },
    ...upscaled.map((r) => ({ key: `up:${r.row}`, label: r.provider === 'none' ? 'As served (nothing upscaled)' : `Upscaled (${r.provider})`, row: r.row, which: 'upscaled' as const, scores: scoresText(r) })),
    ...upscaled.map((r) => ({ key: `heat:${r.row}`, label: `Difference map (${r.provider === 'none' ? 'as served' : r.provider})`, row: r.row, which: 'heatmap' as const })),
  ];
  const [shown, setShown] = useState<string[]>(['original', 'stored', `up:${row.row}`]);
  const [images, setImages] = useState<Record<string, Loaded>>({});
  const [error, setError] = useState<string | null>(null);
  const [mode, setMode] = useState<'side' | 'slider'>('side');
  const [left, setLeft] = useState('original');
  const [right, setRight] = useState(`up:${row.row}`);
  // zoom in image pixels per screen pixel; null until the first fit is known
  const [view, setView] = useState<{ zoom: number; x: number; y: number } | null>(null);
  const [split, setSplit] = useState(50);
  const drag = useRef<{ x: number; y: number } | null>(null);
  const splitDrag = useRef(false);
  const closeRef = useRef<HTMLButtonElement>(null);
  const stageRef = useRef<HTMLDivElement | null>(null);

  const wanted = mode === 'side' ? shown : [left, right];
  useEffect(() => {
    closeRef.current?.focus();
  }, []);
  useEffect(() => {
    let live = true;
    for (const key of wanted) {
      const src = sources.find((s) => s.key === key);
      if (!src || images[key]) continue;
      const which = src.which;
      const load: Promise<Loaded> =
        which === 'heatmap'
          ? bench().images.heatmap(runId, src.row).then((heat) => ({ ...loaded(heat), heat }))
          : bench().images.read(runId, src.row, which).then(loaded);
      load.then((img) => live && setImages((cur) => ({ ...cur, [key]: img }))).catch((e) => live && setError(errorText(e)));
    }
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [runId, row.row, wanted.join('|')]);

  // Laid out at the original's own size, so 100% is its pixels even when main sent a smaller preview (over 16 MP).
  const w = row.width ?? images.original?.width ?? 0;
  const h = row.height ?? images.original?.height ?? 0;
  const preview = Object.entries(images).some(([key, img]) => key !== 'stored' && !img.heat && w && img.width < w);
  const dpr = window.devicePixelRatio || 1;
  const fitZoom = useCallback(() => {
    const stage = stageRef.current;
    if (!stage || !w || !h) return 1;
    // the stage is measured in CSS pixels; zoom counts screen pixels
    return Math.min(stage.clientWidth / w, stage.clientHeight / h) * dpr;
  }, [w, h, dpr]);
  const fit = useCallback(() => setView({ zoom: Math.max(MIN_ZOOM, Math.min(MAX_ZOOM, fitZoom())), x: 0, y: 0 }), [fitZoom]);
  const actual = () => setView({ zoom: 1, x: 0, y: 0 });
  // start fitted, once the original's size and the panes are known
  useLayoutEffect(() => {
    if (!view && w && h && stageRef.current) fit();
  }, [view, w, h, fit, mode, shown.length]);

  const zoom = view?.zoom ?? 1;
  const zoomBy = (f: number) => setView((v) => ({ ...(v ?? { x: 0, y: 0 }), zoom: Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, (v?.zoom ?? 1) * f)) }));
  const onKey = (e: React.KeyboardEvent) => {
    const step = (40 * dpr) / zoom;
    const move = (dx: number, dy: number) => setView((v) => ({ ...(v ?? { zoom: 1 }), x: (v?.x ?? 0) + dx, y: (v?.y ?? 0) + dy }));
    if (e.key === 'Escape') onClose();
    else if (e.key === '+' || e.key === '=') zoomBy(1.25);
    else if (e.key === '-') zoomBy(0.8);
    else if (e.key === '0') fit();
    else if (e.key === '1') actual();
    else if (e.key === 'ArrowLeft') move(step, 0);
    else if (e.key === 'ArrowRight') move(-step, 0);
    else if (e.key === 'ArrowUp') move(0, step);
    else if (e.key === 'ArrowDown') move(0, -step);
    else return;
    e.preventDefault();
  };
  const pan = {
    onPointerDown: (e: PointerEvent) => {
      drag.current = { x: e.clientX, y: e.clientY };
      (e.target as Element).setPointerCapture?.(e.pointerId);
    },
    onPointerMove: (e: PointerEvent) => {
      if (!drag.current) return;
      // translate() runs before scale(): a move of d CSS pixels is d·dpr/zoom image pixels
      const dx = ((e.clientX - drag.current.x) * dpr) / zoom;
      const dy = ((e.clientY - drag.current.y) * dpr) / zoom;
      drag.current = { x: e.clientX, y: e.clientY };
      setView((v) => ({ ...(v ?? { zoom: 1 }), x: (v?.x ?? 0) + dx, y: (v?.y ?? 0) + dy }));
    },
    onPointerUp: () => (drag.current = null),
    onWheel: (e: WheelEvent) => zoomBy(e.deltaY < 0 ? 1.15 : 1 / 1.15),
  };
  // Each image is laid out at the original's size in CSS pixels, then scaled so that one image pixel is zoom screen pixels.
  const scale = zoom / dpr;
  const transform = `scale(${scale}) translate(${view?.x ?? 0}px, ${view?.y ?? 0}px)`;
  const imgStyle = (key: string) => ({ width: w, height: h, transform, imageRendering: zoom > 2 || key === 'stored' ? ('pixelated' as const) : ('auto' as const) });
  const labelOf = (key: string) => sources.find((s) => s.key === key)?.label ?? key;
  // a difference map says which one it is where another pane gives its scores
  const scoresOf = (key: string) => images[key]?.heat?.label ?? sources.find((s) => s.key === key)?.scores;
  // one line whatever its length (the full text in the tooltip), so no caption pushes its image below the others'
  const pane = (key: string, i: number) => (
    <figure className="pane" key={key} {...pan}>
      <figcaption title={[labelOf(key), scoresOf(key)].filter(Boolean).join(' · ')}>
        {labelOf(key)} {scoresOf(key) ? <span className="hint">{scoresOf(key)}</span> : null}
      </figcaption>
      <div className="stage" ref={i === 0 ? stageRef : undefined}>
        {images[key] ? <img src={images[key].src} alt={`${labelOf(key)} of ${baseName(row.image_path)}`} width={w} height={h} style={imgStyle(key)} draggable={false} /> : <span className="hint">{key.startsWith('heat:') ? 'computing the difference…' : 'loading…'}</span>}
        {images[key]?.heat ? <HeatLegend heat={images[key].heat} /> : null}
      </div>
    </figure>
  );
  const toggle = (key: string) => setShown((cur) => (cur.includes(key) ? (cur.length > 1 ? cur.filter((k) => k !== key) : cur) : sources.map((s) => s.key).filter((k) => k === key || cur.includes(k))));

  return (
    <div className="viewer" role="dialog" aria-modal="true" aria-label={`Viewer: ${baseName(row.image_path)}`} tabIndex={-1} onKeyDown={onKey}>
      <header className="row">
        <strong>{baseName(row.image_path)}</strong>
        <span className="scores" data-testid="viewer-scores">
          {providerLabel(row.provider, row.model)} · {storedText(row)} · {scoresText(row)} · {bytes(row.original_bytes)} → {bytes(row.stored_bytes)} ({fmt(row.saved_percent, 1)}% saved)
        </span>
        {nav}
        <span className="spacer" />
        <div role="group" aria-label="Layout">
          <button aria-pressed={mode === 'side'} onClick={() => setMode('side')}>
            Side by side
          </button>
          <button aria-pressed={mode === 'slider'} onClick={() => setMode('slider')}>
            Slider
          </button>
        </div>
        <button onClick={() => zoomBy(0.8)} aria-label="Zoom out">
          −
        </button>
        <span aria-live="polite" data-testid="zoom" title="Image pixels per screen pixel">
          {Math.round(zoom * 100)}%
        </span>
        <button onClick={() => zoomBy(1.25)} aria-label="Zoom in">
          +
        </button>
        <button onClick={fit} aria-pressed={view !== null && Math.abs(view.zoom - fitZoom()) < 1e-6 && !view.x && !view.y}>
          Fit
        </button>
        <button onClick={actual} aria-pressed={view?.zoom === 1}>
          100%
        </button>
        <button ref={closeRef} onClick={onClose}>
          Close
        </button>
      </header>
      {mode === 'side' ? (
        <fieldset className="row compact" aria-label="Panes to show">
          {sources.map((s) => (
            <label key={s.key} className="check">
              <input type="checkbox" checked={shown.includes(s.key)} onChange={() => toggle(s.key)} /> {s.label}
            </label>
          ))}
        </fieldset>
      ) : (
        <div className="row">
          <SourceSelect side="Left" sources={sources} value={left} onChange={setLeft} />
          <SourceSelect side="Right" sources={sources} value={right} onChange={setRight} />
        </div>
      )}
      {error ? (
        <p role="alert" className="banner error">
          {error}
        </p>
      ) : null}
      {mode === 'side' ? (
        <div className="panes" style={{ gridTemplateColumns: `repeat(${shown.length}, 1fr)` }}>
          {shown.map((key, i) => pane(key, i))}
        </div>
      ) : (
        <div className="slider-wrap">
          <figure className="pane slider" {...pan}>
            <figcaption title={`${labelOf(left)} ◀ ▶ ${labelOf(right)}`}>
              {labelOf(left)} ◀ ▶ {labelOf(right)}
            </figcaption>
            <div className="stage" ref={stageRef}>
              {images[right] && (
                <div className="layer">
                  <img src={images[right].src} alt={labelOf(right)} width={w} height={h} style={imgStyle(right)} draggable={false} />
                </div>
              )}
              {images[left] && (
                <div className="layer clip" style={{ clipPath: `inset(0 ${100 - split}% 0 0)` }}>
                  <img src={images[left].src} alt={labelOf(left)} width={w} height={h} style={imgStyle(left)} draggable={false} />
                </div>
              )}
              <div
                className="divider"
                data-testid="slider-divider"
                style={{ left: `${split}%` }}
                onPointerDown={(e) => {
                  // the handle moves the split, not the images
                  e.stopPropagation();
                  e.currentTarget.setPointerCapture?.(e.pointerId);
                  splitDrag.current = true;
                }}
                onPointerMove={(e) => {
                  const stage = stageRef.current;
                  if (!splitDrag.current || !stage) return;
                  e.stopPropagation();
                  const r = stage.getBoundingClientRect();
                  setSplit(Math.round(Math.min(100, Math.max(0, ((e.clientX - r.left) / r.width) * 100))));
                }}
                onPointerUp={() => (splitDrag.current = false)}
              >
                <span className="handle" aria-hidden="true">
                  ◀▶
                </span>
              </div>
            </div>
          </figure>
          <input type="range" min={0} max={100} value={split} onChange={(e) => setSplit(Number(e.target.value))} aria-label="Slider position" />
        </div>
      )}
      {preview ? <p className="hint">Shown from a preview of at most 4096 px a side (the original is {w}×{h}): at 100% and above it is enlarged.</p> : null}
      <p className="hint">Drag to pan, wheel or +/− to zoom, 0 to fit, 1 for 100% (one image pixel per screen pixel), arrows to move, Esc to close.</p>
    </div>
  );
}

const loaded = (img: { mime: string; base64: string; width: number; height: number }): Loaded => ({ src: `data:${img.mime};base64,${img.base64}`, width: img.width, height: img.height });

/** An output's scores: the classic three, and the perceptual ones when the run computed them. */
function scoresText(r: UiRow): string {
  const perceptual = [r.ssimulacra2 !== null ? `SSIMULACRA2 ${fmt(r.ssimulacra2, 1)}` : '', r.butteraugli !== null ? `Butteraugli ${fmt(r.butteraugli, 2)} (3-norm ${fmt(r.butteraugli_3norm, 2)})` : ''];
  return [`PSNR ${r.identical ? '∞' : fmt(r.psnr)} dB`, `SSIM ${fmt(r.ssim, 3)}`, `ORB ${fmt(r.orb_score, 3)}`, ...perceptual].filter(Boolean).join(' · ');
}

/** The colour scale of a difference map, over the bottom of its pane (the panes keep one size). */
function HeatLegend({ heat }: { heat: HeatmapImage }) {
  return (
    <div className="heat-legend" data-testid="heat-legend" aria-label={`Colour scale: ${heat.label}`}>
      <div className="title">{heat.label}</div>
      <div className="bar" style={{ background: `linear-gradient(to right, ${heat.stops.join(', ')})` }} />
      <div className="ticks">
        {heat.ticks.map((t) => (
          <span key={t.value} style={{ left: `${(t.value / heat.max) * 100}%` }}>
            {t.label}
          </span>
        ))}
      </div>
      {heat.scaledFrom ? (
        <div>
          computed on a {heat.width}×{heat.height} copy of the {heat.scaledFrom.width}×{heat.scaledFrom.height} image
        </div>
      ) : null}
    </div>
  );
}
