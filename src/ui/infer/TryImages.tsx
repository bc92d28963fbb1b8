import { useEffect, useState } from 'react';
import type { ModelInfo } from '../../protocol/index';
import type { Predictor } from './use-predictor';
import { Bars } from './Bars';
import { DrawPad } from './DrawPad';

interface Props {
  readonly info: ModelInfo & { readonly input: { readonly kind: 'image' } };
  readonly predictor: Predictor;
}

/** Images dropped, picked or pasted (and, for 28×28 gray models, a drawing pad), each with its top classes. */
export function TryImages({ info, predictor }: Props) {
  const [mode, setMode] = useState<'files' | 'drawing'>('files');
  const [urls, setUrls] = useState<string[]>([]);
  const { result, error, send } = predictor;
  const pad = info.input.size === 28 && info.input.channels === 1;
  const take = (files: File[]) => {
    const images = files.filter((f) => f.type.startsWith('image/') || /\.(png|jpe?g|gif|bmp|webp)$/i.test(f.name));
    if (!images.length) return;
    setMode('files');
    setUrls((old) => {
      for (const u of old) URL.revokeObjectURL(u);
      return images.map((f) => URL.createObjectURL(f));
    });
    send({ kind: 'images', files: images });
  };
  useEffect(() => {
    const onPaste = (e: ClipboardEvent) => take([...(e.clipboardData?.files ?? [])]);
    document.addEventListener('paste', onPaste);
    return () => document.removeEventListener('paste', onPaste);
  });
  return (
    <div className="try-images">
      {pad && (
        <section aria-label="Draw a digit">
          <p className="muted">Draw a digit, large and centred; the prediction follows as you draw.</p>
          <DrawPad
            size={info.input.size}
            onDraw={(rgba) => {
              setMode('drawing');
              send({ kind: 'pixels', rgba });
            }}
          />
          {mode === 'drawing' && result?.names[0] === 'drawing' && <Bars predictions={result} row={0} />}
        </section>
      )}
      <section
        aria-label="Try images"
        className="drop-images"
        onDragOver={(e) => e.preventDefault()}
        onDrop={(e) => {
          e.preventDefault();
          take([...e.dataTransfer.files]);
        }}
      >
        <p>
          Drop or paste images here, or{' '}
          <label className="link">
            choose images…
            <input type="file" accept="image/*" multiple hidden onChange={(e) => take([...(e.target.files ?? [])])} />
          </label>
        </p>
        {mode === 'files' && result && result.names[0] !== 'drawing' && (
          <ul className="tried">
            {result.names.map((name, i) => (
              <li key={`${name}-${i}`}>
                {urls[i] && <img src={urls[i]} alt={name} />}
                <span className="tried-name">{name}</span>
                <Bars predictions={result} row={i} />
              </li>
            ))}
          </ul>
        )}
      </section>
      {error && <p role="alert">{error}</p>}
    </div>
  );
}
