import { useEffect, useRef, useState, type PointerEvent, type WheelEvent } from 'react';
import type { UiRow } from '../../../preload/ipc-contract';
import { bench, errorText } from '../bench';
import { baseName, bytes, fmt } from '../format';

type Which = 'original' | 'stored' | 'upscaled';
interface Loaded {
  src: string;
  width: number;
  height: number;
}

/**
 * Original, stored and upscaled side by side or as a slider, with one zoom and pan for all. `siblings`
 * (e.g. every image of one sweep setting) adds previous/next.
 */
export function Viewer({ runId, row, onClose, siblings, onPick }: { runId: string; row: UiRow; onClose: () => void; siblings?: UiRow[]; onPick?: (r: UiRow) => void }) {
  const [images, setImages] = useState<Partial<Record<Which, Loaded>>>({});
  const [error, setError] = useState<string | null>(null);
  const [mode, setMode] = useState<'side' | 'slider'>('side');
  const [view, setView] = useState({ zoom: 1, x: 0, y: 0 });
  const [split, setSplit] = useState(50);
  const drag = useRef<{ x: number; y: number } | null>(null);
  const closeRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    closeRef.current?.focus();
    let live = true;
    for (const which of ['original', 'stored', 'upscaled'] as Which[]) {
      bench()
        .images.read(runId, row.row, which)
        .then((img) => live && setImages((cur) => ({ ...cur, [which]: { src: `data:${img.mime};base64,${img.base64}`, width: img.width, height: img.height } })))
        .catch((e) => live && setError(errorText(e)));
    }
    return () => {
      live = false;
    };
  }, [runId, row.row]);

  const zoomBy = (f: number) => setView((v) => ({ ...v, zoom: Math.min(32, Math.max(0.1, v.zoom * f)) }));
  const onKey = (e: React.KeyboardEvent) => {
    const step = 40 / view.zoom;
    if (e.key === 'Escape') onClose();
    else if (e.key === '+' || e.key === '=') zoomBy(1.25);
    else if (e.key === '-') zoomBy(0.8);
    else if (e.key === '0') setView({ zoom: 1, x: 0, y: 0 });
    else if (e.key === 'PageDown' && siblings) go(1);
    else if (e.key === 'PageUp' && siblings) go(-1);
    else if (e.key === 'ArrowLeft') setView((v) => ({ ...v, x: v.x + step }));
    else if (e.key === 'ArrowRight') setView((v) => ({ ...v, x: v.x - step }));
    else if (e.key === 'ArrowUp') setView((v) => ({ ...v, y: v.y + step }));
    else if (e.key === 'ArrowDown') setView((v) => ({ ...v, y: v.y - step }));
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
      const dx = (e.clientX - drag.current.x) / view.zoom;
      const dy = (e.clientY - drag.current.y) / view.zoom;
      drag.current = { x: e.clientX, y: e.clientY };
      setView((v) => ({ ...v, x: v.x + dx, y: v.y + dy }));
    },
    onPointerUp: () => (drag.current = null),
    onWheel: (e: WheelEvent) => zoomBy(e.deltaY < 0 ? 1.15 : 1 / 1.15),
  };
  const at = siblings ? siblings.findIndex((r) => r.row === row.row) : -1;
  const go = (d: number) => {
    if (!siblings || at < 0) return;
    setImages({});
    onPick?.(siblings[(at + d + siblings.length) % siblings.length]);
  };
  const w = images.original?.width ?? row.width ?? 0;
  const h = images.original?.height ?? row.height ?? 0;
  const transform = `scale(${view.zoom}) translate(${view.x}px, ${view.y}px)`;
  const layer = (which: Which, label: string) => (
    <figure className="pane" {...pan}>
      <figcaption>{label}</figcaption>
      <div className="stage">
        {images[which] ? (
          <img src={images[which]!.src} alt={`${label} of ${baseName(row.image_path)}`} width={w} height={h} style={{ transform, imageRendering: view.zoom > 2 || which === 'stored' ? 'pixelated' : 'auto' }} draggable={false} />
        ) : (
          <span className="hint">loading…</span>
        )}
      </div>
    </figure>
  );

  return (
    <div className="viewer" role="dialog" aria-modal="true" aria-label={`Viewer: ${baseName(row.image_path)}`} tabIndex={-1} onKeyDown={onKey}>
      <header className="row">
        <strong>{baseName(row.image_path)}</strong>
        <span className="scores" data-testid="viewer-scores">
          {row.provider} · PSNR {row.identical ? '∞' : fmt(row.psnr)} dB · SSIM {fmt(row.ssim, 3)} · ORB {fmt(row.orb_score, 3)} · {bytes(row.original_bytes)} → {bytes(row.stored_bytes)} ({fmt(row.saved_percent, 1)}% saved)
        </span>
        {siblings && siblings.length > 1 ? (
          <span role="group" aria-label="Images of this setting">
            <button onClick={() => go(-1)} aria-label="Previous image">◀</button> <span>{at + 1} of {siblings.length}</span>{' '}
            <button onClick={() => go(1)} aria-label="Next image">▶</button>
          </span>
        ) : null}
        <span className="spacer" />
        <div role="group" aria-label="Layout">
          <button aria-pressed={mode === 'side'} onClick={() => setMode('side')}>
            Side by side
          </button>
          <button aria-pressed={mode === 'slider'} onClick={() => setMode('slider')}>
            Slider
          </button>
        </div>
        <button onClick={() => zoomBy(0.8)} aria-label="Zoom out">−</button>
        <span aria-live="polite">{Math.round(view.zoom * 100)}%</span>
        <button onClick={() => zoomBy(1.25)} aria-label="Zoom in">+</button>
        <button onClick={() => setView({ zoom: 1, x: 0, y: 0 })}>Reset</button>
        <button ref={closeRef} onClick={onClose}>
          Close
        </button>
      </header>
      {error ? <p role="alert" className="banner error">{error}</p> : null}
      {mode === 'side' ? (
        <div className="panes">
          {layer('original', 'Original')}
          {layer('stored', row.factor === 1 ? 'Stored (full size, re-encoded)' : 'Stored (downscaled)')}
          {layer('upscaled', row.provider === 'none' ? 'As served (nothing upscaled)' : `Upscaled (${row.provider})`)}
        </div>
      ) : (
        <div className="slider-wrap">
          <figure className="pane slider" {...pan}>
            <figcaption>Original ◀ ▶ Upscaled ({row.provider})</figcaption>
            <div className="stage">
              {images.upscaled && <img src={images.upscaled.src} alt="Upscaled" width={w} height={h} style={{ transform }} draggable={false} />}
              {images.original && (
                <div className="clip" style={{ clipPath: `inset(0 ${100 - split}% 0 0)` }}>
                  <img src={images.original.src} alt="Original" width={w} height={h} style={{ transform }} draggable={false} />
                </div>
              )}
            </div>
          </figure>
          <input type="range" min={0} max={100} value={split} onChange={(e) => setSplit(Number(e.target.value))} aria-label="Slider position" />
        </div>
      )}
      <p className="hint">Drag to pan, wheel or +/− to zoom, arrows to move, 0 to reset, Esc to close.</p>
    </div>
  );
}
