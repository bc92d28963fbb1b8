import { startTransition, useEffect, useMemo, useState } from 'react';
import { TrainingClient } from './client';
import { ChartToolbar } from './components/ChartToolbar';
import { Controls } from './components/Controls';
import { LogPanel } from './components/LogPanel';
import { MetricChart, type ChartOptions } from './components/MetricChart';
import { MetricsTable } from './components/MetricsTable';
import { StatusBar } from './components/StatusBar';
import { ConfigPanel } from './config/ConfigPanel';
import { formFromConfig, parseForm, type Field, type FormValues } from './config/form';
import { RunStore } from './run-store';

const FORM_KEY = 'kiln.form.v1';

/**
 * The run view, re-rendered in a transition: React may split a render of many charts into
 * slices and let input in between, so the page never blocks for long while training.
 */
function useRunView(store: RunStore) {
  const [view, setView] = useState(store.snapshot);
  useEffect(() => store.subscribe(() => startTransition(() => setView(store.snapshot))), [store]);
  return view;
}

/** The last form the user had (survives reloads), or the defaults. */
function initialForm(): FormValues {
  const defaults = formFromConfig();
  try {
    const saved = JSON.parse(localStorage.getItem(FORM_KEY) ?? 'null') as Partial<FormValues> | null;
    return { ...defaults, ...saved };
  } catch {
    return defaults;
  }
}

/** The studio: configure a run, start it, watch it train. */
export function App() {
  const store = useMemo(() => new RunStore(), []);
  const client = useMemo(() => new TrainingClient(), []);
  const view = useRunView(store);
  const [form, setForm] = useState(initialForm);
  const [chart, setChart] = useState<ChartOptions>({ xAxis: 'iteration', logY: false, smoothing: 0.6, iterationsPerEpoch: 1 });
  const { config, errors } = useMemo(() => parseForm(form), [form]);

  useEffect(() => {
    const off = client.subscribe((e) => store.apply(e));
    client.connect();
    return () => {
      off();
      client.terminate();
    };
  }, [client, store]);

  useEffect(() => localStorage.setItem(FORM_KEY, JSON.stringify(form)), [form]);

  const running = ['loading', 'training', 'validating', 'paused', 'stopping'].includes(view.state);
  const onChange = (field: Field, value: string) => setForm((f) => ({ ...f, [field]: value }));
  const start = () => {
    if (!config) return;
    store.reset();
    client.start(`run-${new Date().toISOString()}`, config);
  };
  const trainIterations = view.progress?.split === 'train' ? view.progress.iterationsTotal : undefined;
  useEffect(() => {
    if (trainIterations && trainIterations !== chart.iterationsPerEpoch) setChart((c) => ({ ...c, iterationsPerEpoch: trainIterations }));
  }, [trainIterations, chart.iterationsPerEpoch]);

  return (
    <div className="app">
      <header>
        <h1>Kiln</h1>
        <p className="tagline">Burn's Learner in your browser. Nothing leaves this machine.</p>
      </header>
      <aside>
        <ConfigPanel values={form} errors={errors} disabled={running} onChange={onChange} />
      </aside>
      <main>
        <Controls state={view.state} canStart={config !== null && view.probes.length > 0} onStart={start} onPause={() => client.pause()} onResume={() => client.resume()} onStop={() => client.stop()} />
        {!config && <p className="hint">Fix the marked fields to start.</p>}
        <StatusBar view={view} />
        {view.errors.length > 0 && (
          <div role="alert" className="errors">
            {view.errors.map((e, i) => (
              <p key={i}>{e}</p>
            ))}
          </div>
        )}
        <ChartToolbar options={chart} onChange={setChart} />
        <div className="charts">
          {[...store.series.values()].map((s) => (
            <MetricChart key={s.name} series={s} options={chart} version={view.version} />
          ))}
          {store.series.size === 0 && <p className="empty">Charts of every numeric metric appear here once training starts.</p>}
        </div>
        <div className="details">
          <MetricsTable view={view} />
          <LogPanel lines={store.log} count={store.log.length} />
        </div>
      </main>
    </div>
  );
}
