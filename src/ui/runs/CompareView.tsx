import { memo, useMemo } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { downsample, smooth } from '../series';
import { metricValue, tickValue } from '../components/format';
import { constantValue, isDiagnostic, unitOf } from '../charts/metric-kind';
import { bestValid, lowerIsBetter, settingsDiff, type ComparedRun } from './compare';

/** One colour per run (train solid, valid dashed with dots in the same colour). */
const COLOURS = ['#2563eb', '#ea580c', '#16a34a', '#9333ea', '#dc2626', '#0891b2', '#ca8a04', '#db2777'];
const runColour = (i: number) => COLOURS[i % COLOURS.length];

/** Metrics about the machine, not the model: not compared. */
const notCompared = (name: string) => isDiagnostic(name) || name === 'Iteration Speed';
const POINTS = 300;

type Row = { x: number } & Record<string, number>;

/**
 * One chart's rows: every run's smoothed train curve (per iteration, at fractional epochs) and its
 * valid epoch means (at whole epochs), merged on x so the tooltip lists every run at an epoch end.
 */
function rows(runs: readonly ComparedRun[], metric: string): Row[] {
  const byX = new Map<number, Row>();
  const put = (x: number, key: string, y: number) => {
    if (!Number.isFinite(y)) return;
    let row = byX.get(x);
    if (!row) byX.set(x, (row = { x } as Row));
    row[key] = y;
  };
  runs.forEach((run, i) => {
    const s = run.series.find((m) => m.name === metric);
    if (!s) return;
    const smoothed = smooth(s.train.y, 0.6);
    for (const k of downsample(smoothed, POINTS)) put(s.train.x[k], `train-${i}`, smoothed[k]);
    s.valid.epochX.forEach((x, j) => put(x, `valid-${i}`, s.valid.epochY[j]));
  });
  return [...byX.values()].sort((a, b) => a.x - b.x);
}

/** Every value of a metric, train and valid, over the runs. */
const valuesOf = (runs: readonly ComparedRun[], metric: string) =>
  runs.flatMap((r) => r.series.filter((s) => s.name === metric).flatMap((s) => [...s.train.y, ...s.valid.y, ...s.valid.epochY])).filter(Number.isFinite);

/** One metric, every run overlaid on an epoch axis. */
const CompareChart = memo(function CompareChart({ runs, metric }: { runs: readonly ComparedRun[]; metric: string }) {
  const data = useMemo(() => rows(runs, metric), [runs, metric]);
  const epochs = Math.ceil(data.at(-1)?.x ?? 1);
  const ticks = epochs <= 20 ? Array.from({ length: epochs + 1 }, (_, e) => e) : undefined;
  const unit = unitOf(metric) === '%' ? '%' : '';
  const name = (key: string) => {
    const [split, i] = key.split('-');
    return `${runs[Number(i)].name} · ${split}`;
  };
  return (
    <figure className="chart" aria-label={`${metric} comparison chart`} data-runs={runs.filter((r) => r.series.some((s) => s.name === metric)).length}>
      <figcaption>{metric}</figcaption>
      <ResponsiveContainer width="100%" height={240}>
        <LineChart data={data} margin={{ top: 8, right: 16, bottom: 4, left: 8 }} syncId="compare">
          <CartesianGrid stroke="#e5e7eb" vertical={false} />
          <XAxis
            dataKey="x"
            type="number"
            domain={[0, epochs]}
            ticks={ticks}
            tickFormatter={(x: number) => String(Number(x.toFixed(2)))}
            label={{ value: 'epoch', position: 'insideBottomRight', offset: -2 }}
          />
          <YAxis type="number" domain={['auto', 'auto']} tickFormatter={(v: number) => `${tickValue(v)}${unit}`} width={56} />
          <Tooltip
            isAnimationActive={false}
            labelFormatter={(x) => `epoch ${Number(Number(x).toFixed(2))}`}
            formatter={(v, key) => [`${metricValue(Number(v))}${unit}`, name(String(key))]}
          />
          {runs.map((_, i) => (
            <Line key={`train-${i}`} dataKey={`train-${i}`} stroke={runColour(i)} strokeWidth={1.5} dot={false} connectNulls isAnimationActive={false} />
          ))}
          {runs.map((_, i) => (
            <Line
              key={`valid-${i}`}
              dataKey={`valid-${i}`}
              stroke={runColour(i)}
              strokeWidth={1.5}
              strokeDasharray="5 3"
              dot={{ r: 3, fill: '#fff' }}
              connectNulls
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
});

/** Two or more runs side by side: their metrics overlaid, each run's best valid values, and the settings that differ. */
export function CompareView({ runs, onClose }: { runs: readonly ComparedRun[]; onClose: () => void }) {
  const [metrics, constants] = useMemo(() => {
    const names = [...new Set(runs.flatMap((r) => r.series.map((s) => s.name)))].filter((n) => !notCompared(n));
    names.sort((a, b) => (a === 'Loss' ? -1 : b === 'Loss' ? 1 : a.localeCompare(b)));
    // One value in every run and epoch (a constant learning rate): said in words, not charted.
    const fixed = new Map(names.map((n) => [n, constantValue(valuesOf(runs, n))]));
    return [
      names.filter((n) => fixed.get(n) === undefined),
      names.flatMap((n) => (fixed.get(n) === undefined ? [] : [`${n} ${metricValue(fixed.get(n)!)}`])),
    ] as const;
  }, [runs]);
  const best = useMemo(() => runs.map((r) => bestValid(r.series)), [runs]);
  // Runs without a Kiln config (a Burn run's folder) have no settings to set beside the others.
  const configured = useMemo(() => runs.filter((r) => r.config !== null && typeof r.config === 'object'), [runs]);
  const diff = useMemo(() => settingsDiff(configured), [configured]);
  const unconfigured = runs.filter((r) => !configured.includes(r));
  const bestMetrics = metrics.filter((m) => best.some((b) => b.has(m)));
  return (
    <section className="compare" aria-label="Run comparison">
      <header>
        <h2>Comparing {runs.length} runs</h2>
        <button type="button" onClick={onClose}>
          Close comparison
        </button>
      </header>
      <ul className="compare-key" aria-label="Runs compared">
        {runs.map((r, i) => (
          <li key={r.id}>
            <span className="swatch" style={{ background: runColour(i) }} /> {r.name}
          </li>
        ))}
        <li className="compare-note">solid: train (smoothed) · dashed with dots: valid, epoch mean</li>
      </ul>
      {constants.length > 0 && <p className="compare-note">The same in every run and epoch: {constants.join(', ')}.</p>}
      <div className="charts">
        {metrics.map((m) => (
          <CompareChart key={m} runs={runs} metric={m} />
        ))}
      </div>
      <div className="compare-tables">
        <table aria-label="Best valid values">
          <caption>Best valid values (epoch)</caption>
          <thead>
            <tr>
              <th scope="col">Metric</th>
              {runs.map((r, i) => (
                <th key={r.id} scope="col" style={{ borderBottom: `3px solid ${runColour(i)}` }}>
                  {r.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {bestMetrics.map((m) => {
              const values = best.map((b) => b.get(m)?.value).filter((v): v is number => v !== undefined);
              const winner = lowerIsBetter(m) ? Math.min(...values) : Math.max(...values);
              return (
                <tr key={m}>
                  <th scope="row">
                    {m} ({lowerIsBetter(m) ? 'lower' : 'higher'} is better)
                  </th>
                  {best.map((b, i) => {
                    const v = b.get(m);
                    return (
                      <td key={runs[i].id}>
                        {v ? v.value === winner ? <b>{`${metricValue(v.value)} (${v.epoch})`}</b> : `${metricValue(v.value)} (${v.epoch})` : '—'}
                      </td>
                    );
                  })}
                </tr>
              );
            })}
          </tbody>
        </table>
        <table aria-label="Settings that differ">
          <caption>Settings that differ</caption>
          <thead>
            <tr>
              <th scope="col">Setting</th>
              {configured.map((r) => (
                <th key={r.id} scope="col">
                  {r.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {diff.map((d) => (
              <tr key={d.setting}>
                <th scope="row">{d.setting}</th>
                {d.values.map((v, i) => (
                  <td key={configured[i].id}>{v}</td>
                ))}
              </tr>
            ))}
            {configured.length > 1 && diff.length === 0 && (
              <tr>
                <td colSpan={configured.length + 1}>The runs share every setting.</td>
              </tr>
            )}
          </tbody>
          {unconfigured.length > 0 && (
            <tfoot>
              <tr>
                <td colSpan={configured.length + 1}>
                  No settings known for {unconfigured.map((r) => r.name).join(', ')} (no Kiln config: a Burn run's folder).
                </td>
              </tr>
            </tfoot>
          )}
        </table>
      </div>
    </section>
  );
}
