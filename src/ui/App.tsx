import { lazy, Suspense, startTransition, useCallback, useEffect, useMemo, useState } from 'react';
import { MODEL_FORMATS, type ModelFormatName } from '../export/format-list';
import type { ExportKind, RunRecord } from '../protocol/index';
import { TrainingClient } from './client';
import { ChartToolbar } from './charts/ChartToolbar';
import { Charts } from './charts/Charts';
import type { ChartOptions } from './charts/MetricChart';
import { Controls } from './components/Controls';
import { LogPanel } from './components/LogPanel';
import { MetricsTable } from './components/MetricsTable';
import { RunDetails } from './components/RunDetails';
import { RunsPanel } from './components/RunsPanel';
import { StatusBar } from './components/StatusBar';
import { StoragePanel } from './components/StoragePanel';
import { Tabs } from './components/Tabs';
import { ConfigPanel } from './config/ConfigPanel';
import type { FormState } from './config/FormField';
import { excludeColumn, formForLabel, formFromConfig, modelDataOf, parseForm, type Field, type FormValues } from './config/form';
import { ModelSection } from './model/ModelSection';
import { useModel } from './model/use-model';
import type { DatasetCard } from '../data/card';
import type { PickedFiles } from '../data/images/picked';
import { DatasetCardView } from './dataset/DatasetCardView';
import { DatasetPanel } from './dataset/DatasetPanel';
import { droppedFiles } from './dataset/drop';
import { download } from './download';
import { UsePanel } from './infer/UsePanel';
import { useDataset } from './dataset/use-dataset';
import { applyFix, readiness } from './dataset/readiness';
import type { CheckFix } from '../data/checks';
import { RunStore } from './run-store';
import type { ComparedRun } from './runs/compare';
import { defaultRunName } from './runs/name';
import { useRuns } from './runs/use-runs';

const FORM_KEY = 'kiln.form.v2';
/** Loaded when first used: its chart library is not needed to show the page. */
const CompareView = lazy(() => import('./runs/CompareView').then((m) => ({ default: m.CompareView })));
const TABS = ['Settings', 'Runs', 'Storage'] as const;

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
    // Imported weights live in the worker, which a reload ends: the layers stay, their weights start fresh.
    return { ...defaults, ...saved, modelSource: '' };
  } catch {
    return defaults;
  }
}

/** The studio: configure a run, start it, watch it train, browse and export stored runs. */
export function App() {
  const store = useMemo(() => new RunStore(), []);
  const client = useMemo(() => new TrainingClient(), []);
  // Before any hook below asks the worker something: effects run in the order they are declared.
  useEffect(() => {
    const off = client.subscribe((e) => store.apply(e));
    client.connect();
    return () => {
      off();
      client.terminate();
    };
  }, [client, store]);
  const view = useRunView(store);
  const [form, setForm] = useState(initialForm);
  const [chart, setChart] = useState<ChartOptions>({ xAxis: 'iteration', logY: false, smoothing: 0.6, diagnostics: false });
  const [tab, setTab] = useState<(typeof TABS)[number]>('Settings');
  const runs = useRuns(client, (message) => store.apply({ type: 'error', message }));
  const { opened } = runs;
  // A notice of an export belongs to its run: it shows only while that run is on show. Imports are the studio's.
  const [notice, setNotice] = useState<{ readonly runId: string | null; readonly text: string } | null>(null);
  const [exporting, setExporting] = useState<AbortController | null>(null);
  const [mirror, setMirror] = useState<string | null>(null);
  const [compared, setCompared] = useState<readonly ComparedRun[] | null>(null);
  const updateForm = useCallback((v: Partial<FormValues>) => setForm((f) => ({ ...f, ...v })), []);
  const dataset = useDataset(client, form, updateForm);
  const modelData = useMemo(() => modelDataOf(dataset.card), [dataset.card]);
  const { config, errors } = useMemo(() => parseForm(form, modelData), [form, modelData]);
  const model = useModel(client, config, modelData, updateForm);
  // The card a run started with is not shown again after it: its charts are what matter then.
  const [startedWith, setStartedWith] = useState<DatasetCard | null>(null);
  const running = ['loading', 'training', 'validating', 'paused', 'stopping'].includes(view.state);

  useEffect(() => localStorage.setItem(FORM_KEY, JSON.stringify(form)), [form]);

  const ready = useMemo(
    () => readiness({ workerReady: view.probes.length > 0, formValid: config !== null, values: form, data: dataset }),
    [view.probes.length, config, form, dataset],
  );
  const fix = useCallback((f: CheckFix) => setForm((v) => ({ ...v, ...applyFix(f, v) })), []);
  const { card } = dataset;
  // Stable props for the memoised form: it renders again only when what it shows changes. A new
  // label brings its task (and comes back into the features if it was left out).
  const onChange = useCallback(
    (field: Field, value: string) => setForm((f) => ({ ...f, ...(field === 'label' ? formForLabel(f, value, card) : { [field]: value }) })),
    [card],
  );
  const dataSection = useCallback((f: FormState) => <DatasetPanel form={f} data={dataset} fromDrop={droppedFiles} />, [dataset]);
  const layers = useMemo(
    () => <ModelSection values={form} errors={errors} data={modelData} disabled={running} model={model} update={updateForm} />,
    [form, errors, modelData, running, model, updateForm],
  );
  const exclude = useCallback((column: string, out: boolean) => setForm((v) => ({ ...v, ...excludeColumn(v, column, out) })), []);
  const start = () => {
    if (!config || ready.reason) return;
    const runId = `run-${Date.now().toString(36)}`;
    const name = defaultRunName(config, runs.list);
    store.reset(runId, name);
    setNotice(null);
    runs.close();
    setCompared(null);
    startTransition(() => setStartedWith(dataset.card)); // the click itself renders nothing heavy
    client.start(runId, name, config);
  };
  const fail = (e: unknown) => store.apply({ type: 'error', message: (e as Error).message });
  const open = async (run: RunRecord) => {
    setNotice((n) => (n?.runId === run.id ? n : null));
    const stored = await runs.open(run.id).catch(fail);
    if (!stored) return;
    setCompared(null);
    store.load({
      runId: run.id,
      runName: run.name,
      series: stored.series,
      log: stored.log,
      epochsDone: run.epochsDone,
      checkpoints: run.checkpoints,
      state: run.status === 'running' ? 'idle' : run.status === 'interrupted' ? 'stopped' : run.status,
      message: run.message,
    });
  };
  const resume = async (epoch: number, untilEpoch: number) => {
    if (!opened?.config) return;
    const stored = await runs.read(opened.record.id, epoch).catch(fail); // the charts continue the curves up to the checkpoint
    if (!stored) return;
    store.load({
      runId: opened.record.id,
      runName: opened.record.name,
      series: stored.series,
      log: stored.log,
      epochsDone: epoch,
      checkpoints: opened.record.checkpoints,
      state: 'loading',
    });
    store.continueRun();
    client.start(opened.record.id, opened.record.name, { ...opened.config, epochs: untilEpoch }, epoch);
  };
  const exportFile = async (what: ExportKind, epoch?: number, format?: ModelFormatName) => {
    if (!opened) return;
    const model = format === 'lightning' ? 'the Lightning project' : `model ${epoch} as ${MODEL_FORMATS[format ?? 'tfjs'].label}`;
    const runId = opened.record.id;
    setNotice({ runId, text: `Preparing ${what === 'run' ? 'the run archive' : what === 'model' ? model : `checkpoint ${epoch}`}…` });
    const controller = new AbortController();
    setExporting(controller);
    try {
      const { fileName, blob } = await client.exportFile(opened.record.id, what, epoch, controller.signal, format);
      download(fileName, blob);
      setNotice({ runId, text: `Downloaded ${fileName} (${(blob.size / 1024).toFixed(0)} KiB).` });
    } catch (e) {
      setNotice((e as Error).name === 'AbortError' ? { runId, text: 'Export cancelled.' } : null);
      if ((e as Error).name !== 'AbortError') fail(e);
    } finally {
      setExporting(null);
    }
  };
  const importRun = async (dropped: File | PickedFiles) => {
    setNotice({ runId: null, text: `Importing ${dropped.name}…` });
    try {
      const { name } = dropped instanceof File ? await client.importArchive(dropped) : await client.importFolder(dropped);
      setNotice({ runId: null, text: `Imported ${dropped.name} as “${name}”.` });
      setTab('Runs');
    } catch (e) {
      setNotice(null);
      fail(e);
    }
  };
  const compare = async (chosen: RunRecord[]) => {
    const read = await Promise.all(chosen.map((r) => runs.read(r.id))).catch(fail);
    if (read) setCompared(read.map((s) => ({ id: s.record.id, name: s.record.name, config: s.config ?? s.record.config, series: s.series })));
  };
  const remove = async (r: RunRecord) => {
    if (confirm(`Delete “${r.name}” and all its checkpoints?`)) await runs.remove(r.id).catch(fail);
  };
  const mirrorRuns = async (on: boolean) => {
    if (!on) {
      client.mirrorTo(null);
      return setMirror(null);
    }
    try {
      const picker = (window as unknown as { showDirectoryPicker: (o: object) => Promise<FileSystemDirectoryHandle> }).showDirectoryPicker;
      const folder = await picker({ mode: 'readwrite', id: 'kiln-runs' });
      client.mirrorTo(folder);
      setMirror(folder.name || 'the chosen folder');
    } catch (e) {
      if ((e as Error).name !== 'AbortError') store.apply({ type: 'error', message: `could not use that folder: ${(e as Error).message}` });
    }
  };
  // The run on show: the opened one, or the live one.
  const shownRun = opened?.record.id ?? view.runId;

  return (
    <div className="app">
      <header>
        <h1>Kiln</h1>
        <p className="tagline">Burn's Learner in your browser. Nothing leaves this machine.</p>
      </header>
      <aside>
        <Tabs tabs={TABS} selected={tab} onSelect={setTab} label="Panels" title={(t) => (t === 'Runs' ? `Runs (${runs.list.length})` : t)}>
          {tab === 'Settings' && <ConfigPanel values={form} errors={errors} disabled={running} onChange={onChange} data={dataSection} layers={layers} />}
          {tab === 'Runs' && (
            <RunsPanel
              runs={runs.list}
              openId={opened?.record.id ?? view.runId}
              busy={running}
              onOpen={open}
              onRename={(r, name) => runs.rename(r.id, name).catch(fail)}
              onDelete={remove}
              onImport={importRun}
              onCompare={compare}
            />
          )}
          {tab === 'Storage' && <StoragePanel client={client} runs={runs.list} mirror={mirror} onMirror={mirrorRuns} />}
        </Tabs>
      </aside>
      <main>
        <Controls
          state={view.state}
          reason={ready.reason}
          checks={ready.checks}
          onFix={fix}
          onStart={start}
          onPause={() => client.pause()}
          onResume={() => client.resume()}
          onStop={() => client.stop()}
        />
        {view.runName && <p className="run-title">{view.runName}</p>}
        <StatusBar view={view} blocked={ready.reason} />
        {notice && (notice.runId === null || notice.runId === shownRun) && (
          <p className="notice">
            {notice.text}{' '}
            {exporting && (
              <button type="button" onClick={() => exporting.abort()}>
                Cancel
              </button>
            )}
          </p>
        )}
        {view.errors.length > 0 && (
          <div role="alert" className="errors">
            {view.errors.map((e, i) => (
              <p key={i}>{e}</p>
            ))}
          </div>
        )}
        {view.warnings.length > 0 && (
          // Once per epoch at most; the last few are shown, the rest are in the experiment log.
          <div role="log" aria-label="Warnings" className="warnings">
            {view.warnings.length > 3 && (
              <p>{view.warnings.length === 4 ? 'An earlier warning is' : `${view.warnings.length - 3} earlier warnings are`} in the experiment log.</p>
            )}
            {view.warnings.slice(-3).map((w, i, shown) => (
              <p key={view.warnings.length - shown.length + i}>{w}</p>
            ))}
          </div>
        )}
        {dataset.card && (
          // Hidden, not unmounted, while a run trains: no canvases to redraw when it starts or ends.
          <DatasetCardView
            card={dataset.card}
            hidden={tab !== 'Settings' || running || dataset.card === startedWith}
            validFraction={Number(form.validFraction) || 0}
            seed={Number(form.seed) || 0}
            label={form.dataset === 'table' ? form.label : undefined}
            columnChecks={ready.columnChecks}
            exclude={form.dataset === 'table' ? form.exclude : undefined}
            onFix={fix}
            onExclude={exclude}
          />
        )}
        {compared && (
          <Suspense fallback={<p className="empty">Loading the comparison…</p>}>
            <CompareView runs={compared} onClose={() => setCompared(null)} />
          </Suspense>
        )}
        <ChartToolbar options={chart} onChange={setChart} />
        <Charts series={store.series} version={view.version} options={chart} iterationsPerEpoch={view.iterationsPerEpoch ?? 1} live={running} />
        {opened && <RunDetails run={opened} busy={running} onExport={exportFile} onResume={resume} onView={(path) => runs.text(opened.record.id, path)} />}
        {opened && opened.record.checkpoints.length > 0 && <UsePanel key={opened.record.id} client={client} run={opened} />}
        <div className="details">
          <MetricsTable view={view} diagnostics={chart.diagnostics} />
          <LogPanel lines={store.log} count={store.log.length} />
        </div>
      </main>
    </div>
  );
}
