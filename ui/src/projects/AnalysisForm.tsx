// The form under a space's analyses that starts one: the kind, the datasets to analyse,
// the reference datasets (kinds measured against one) and the kind's parameters with their
// ranges and defaults (analysisKinds.ts, mirrored from the server). A value out of range is
// refused here with the server's words, next to its field, and nothing is sent; a refusal
// of the server (its `where`) is shown next to the field it names.
import { useMemo, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { RunAnalysisWithParamsMutation } from '../api/analyses';
import { ProjectQuery } from '../api/projects';
import { useMayWrite } from '../api/session';
import { Button, Checkbox, ErrorBox, Select } from '../kit';
import {
  ANALYSIS_KINDS,
  buildRequest,
  type FormValues,
  fieldOf,
  kindLabel,
  type ParamSpec,
  rangeText,
  weightNames,
} from './analysisKinds';
import './analysisForm.css';

export interface AnalysisFormProps {
  project: string;
  space: string;
  /** The space's ready maps (clusters may name one; default: the newest). */
  maps: readonly { id: string; algorithm: string }[];
  onStarted: () => void;
}

const KINDS = Object.keys(ANALYSIS_KINDS);

const emptyValues = (kind: string): FormValues => ({
  kind,
  datasets: [],
  reference: [],
  params: {},
  lists: {},
});

interface Refusal {
  field: string | null;
  message: string;
}

function refusalOf(error: {
  message: string;
  graphQLErrors: readonly { message: string; extensions?: Record<string, unknown> }[];
}): Refusal {
  const first = error.graphQLErrors[0];
  if (!first) return { field: null, message: error.message };
  const where = typeof first.extensions?.where === 'string' ? first.extensions.where : null;
  return { field: fieldOf(where), message: where ? `${first.message} (${where})` : first.message };
}

/** Nothing for a viewer: starting a job is an editor's (the project page says so once). */
export function AnalysisForm(props: AnalysisFormProps) {
  if (!useMayWrite()) return null;
  return <AnalysisFormFields {...props} />;
}

function AnalysisFormFields({ project, space, maps, onStarted }: AnalysisFormProps) {
  // The project page has fetched the project already: its datasets come from the cache.
  const [projectResult] = useQuery({
    query: ProjectQuery,
    variables: { name: project },
    requestPolicy: 'cache-first',
  });
  const datasets = useMemo(
    () => (projectResult.data?.project?.datasets ?? []).map((d) => d.name),
    [projectResult.data],
  );
  const otherSpaces = useMemo(
    () =>
      (projectResult.data?.project?.spaces ?? [])
        .filter((s) => s.name !== space)
        .map((s) => ({ id: s.id, name: s.name })),
    [projectResult.data, space],
  );
  const [values, setValues] = useState<FormValues>(() => emptyValues(KINDS[0] ?? 'mislabels'));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const [state, run] = useMutation(RunAnalysisWithParamsMutation);
  const spec = ANALYSIS_KINDS[values.kind];

  const change = (patch: Partial<FormValues>) => {
    setValues((v) => ({ ...v, ...patch }));
    setErrors({});
    setRefusal(null);
  };
  const toggle = (list: readonly string[], name: string, on: boolean) =>
    on ? [...list.filter((n) => n !== name), name] : list.filter((n) => n !== name);

  const submit = () => {
    const built = buildRequest(values, datasets.length);
    if (!built.ok) {
      setErrors(built.errors);
      setRefusal(null);
      return;
    }
    setErrors({});
    setRefusal(null);
    const { kind, datasets: chosen, reference, params } = built.request;
    void run({ project, space, kind, datasets: chosen, reference, params }).then((result) => {
      if (result.error) setRefusal(refusalOf(result.error));
      else onStarted();
    });
  };

  const messageFor = (field: string): string | null =>
    errors[field] ?? (refusal?.field === field ? refusal.message : null);
  const shownFields = new Set([
    'datasets',
    ...(spec?.reference ? ['reference'] : []),
    ...Object.keys(spec?.params ?? {}).map((n) => `params.${n}`),
  ]);
  const general =
    refusal && (refusal.field === null || !shownFields.has(refusal.field)) ? refusal.message : null;
  const generalClient = Object.entries(errors).filter(([field]) => !shownFields.has(field));

  return (
    <form
      className="p-analysis-form"
      data-testid={`analysis-form-${space}`}
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      <div className="p-inline-form">
        <span className="faint">Run</span>
        <Select
          size="sm"
          value={values.kind}
          onChange={(kind) => {
            setValues((v) => ({ ...emptyValues(kind), datasets: v.datasets }));
            setErrors({});
            setRefusal(null);
          }}
          options={KINDS.map((k) => ({ value: k, label: kindLabel(k) }))}
          label="Analysis"
          data-testid={`analysis-kind-${space}`}
        />
        {spec && <span className="faint p-analysis-form__about">{spec.description}</span>}
      </div>

      {datasets.length > 1 && (
        <Field
          label="Datasets"
          hint="none ticked: every dataset"
          error={messageFor('datasets')}
          name="datasets"
        >
          {datasets.map((name) => (
            <Checkbox
              key={name}
              checked={values.datasets.includes(name)}
              onChange={(on) => change({ datasets: toggle(values.datasets, name, on) })}
              data-testid={`analysis-dataset-${name}`}
            >
              {name}
            </Checkbox>
          ))}
        </Field>
      )}

      {spec?.reference && (
        <Field
          label="Reference"
          hint={
            datasets.length > 1
              ? 'what the scores are measured against (its rows are scored too)'
              : 'the only dataset'
          }
          error={messageFor('reference')}
          name="reference"
        >
          {datasets.map((name) => (
            <Checkbox
              key={name}
              checked={values.reference.includes(name)}
              onChange={(on) => change({ reference: toggle(values.reference, name, on) })}
              data-testid={`analysis-reference-${name}`}
            >
              {name}
            </Checkbox>
          ))}
        </Field>
      )}

      {spec &&
        Object.entries(spec.params).map(([name, param]) => (
          <ParamField
            key={`${values.kind}.${name}`}
            name={name}
            spec={param}
            values={values}
            datasets={datasets}
            maps={maps}
            spaces={otherSpaces}
            error={messageFor(`params.${name}`)}
            onChange={change}
          />
        ))}

      <div className="p-inline-form">
        <Button size="sm" type="submit" busy={state.fetching} data-testid={`analysis-run-${space}`}>
          Analyse
        </Button>
      </div>
      {(general || generalClient.length > 0) && (
        <ErrorBox
          title="Cannot start the analysis"
          message={general ?? generalClient.map(([, m]) => m).join('; ')}
          data-testid={`analysis-error-${space}`}
        />
      )}
    </form>
  );
}

function Field({
  label,
  hint,
  error,
  name,
  children,
}: {
  label: string;
  hint?: string;
  error: string | null;
  name: string;
  children: React.ReactNode;
}) {
  return (
    <div className="p-field" data-field={name}>
      <span className="p-field__label">{label}</span>
      <span className="p-field__controls">{children}</span>
      {hint && <span className="faint p-field__hint">{hint}</span>}
      {error && (
        <span className="p-field__error" role="alert" data-testid={`analysis-field-error-${name}`}>
          {error}
        </span>
      )}
    </div>
  );
}

function ParamField({
  name,
  spec,
  values,
  datasets,
  maps,
  spaces,
  error,
  onChange,
}: {
  name: string;
  spec: ParamSpec;
  values: FormValues;
  datasets: readonly string[];
  maps: AnalysisFormProps['maps'];
  /** The project's other spaces (a comparison's `space_b`, by id). */
  spaces: readonly { id: string; name: string }[];
  error: string | null;
  onChange: (patch: Partial<FormValues>) => void;
}) {
  const field = `params.${name}`;
  const setParam = (key: string, text: string) =>
    onChange({ params: { ...values.params, [key]: text } });
  const text = values.params[name] ?? '';

  if (spec.kind === 'names') {
    const chosen = values.lists[name] ?? [];
    return (
      <Field label={name} hint="none ticked: every analysed dataset" error={error} name={field}>
        {datasets.map((d) => (
          <Checkbox
            key={d}
            checked={chosen.includes(d)}
            onChange={(on) =>
              onChange({
                lists: {
                  ...values.lists,
                  [name]: on
                    ? [...chosen.filter((c) => c !== d), d]
                    : chosen.filter((c) => c !== d),
                },
              })
            }
            data-testid={`analysis-param-${name}-${d}`}
          >
            {d}
          </Checkbox>
        ))}
      </Field>
    );
  }
  if (spec.kind === 'weights') {
    return (
      <Field label={name} hint="each ≥ 0; empty: 1" error={error} name={field}>
        {weightNames(spec).map((weight) => (
          <label key={weight} className="p-field__sub">
            <span className="faint">{weight}</span>
            <input
              className="k-input k-input--sm p-field__number"
              inputMode="decimal"
              value={values.params[`${name}.${weight}`] ?? ''}
              placeholder={String((spec.default as Record<string, number>)[weight] ?? '')}
              onChange={(event) => setParam(`${name}.${weight}`, event.target.value)}
              aria-invalid={Boolean(error)}
              data-testid={`analysis-param-${name}-${weight}`}
            />
          </label>
        ))}
      </Field>
    );
  }
  if (spec.kind === 'str') {
    const isDataset = name === 'baseline' || name === 'current';
    const options = spec.choices.length
      ? spec.choices.map((c) => ({ value: c, label: c }))
      : [
          { value: '', label: isDataset ? 'none' : 'default' },
          ...(isDataset ? datasets : []).map((d) => ({ value: d, label: d })),
        ];
    return (
      <Field
        label={name}
        hint={
          isDataset ? 'drift between two datasets (default: the two analysed, if two)' : undefined
        }
        error={error}
        name={field}
      >
        <Select
          size="sm"
          value={text || (spec.choices.length ? String(spec.default ?? '') : '')}
          onChange={(value) => setParam(name, value)}
          options={options}
          label={name}
          data-testid={`analysis-param-${name}`}
        />
      </Field>
    );
  }
  if (name === 'space_b') {
    return (
      <Field label="other space" error={error} name={field}>
        <Select
          size="sm"
          value={text}
          onChange={(value) => setParam(name, value)}
          options={[
            { value: '', label: spaces.length ? 'choose…' : 'no other space' },
            ...spaces.map((s) => ({ value: s.id, label: s.name })),
          ]}
          label="other space"
          data-testid={`analysis-param-${name}`}
        />
      </Field>
    );
  }
  if (name === 'projection') {
    const vectors = values.params.source === 'vectors';
    return (
      <Field
        label="map"
        hint={vectors ? 'not used: clustering the vectors' : undefined}
        error={error}
        name={field}
      >
        <Select
          size="sm"
          value={text}
          onChange={(value) => setParam(name, value)}
          options={[
            { value: '', label: 'the newest' },
            ...maps.map((m) => ({ value: m.id, label: `${m.algorithm.toUpperCase()} #${m.id}` })),
          ]}
          disabled={vectors}
          label="map"
          data-testid={`analysis-param-${name}`}
        />
      </Field>
    );
  }
  const range = rangeText(spec);
  const fallback =
    spec.default === null || spec.default === undefined ? 'automatic' : String(spec.default);
  return (
    <Field
      label={name}
      hint={`${spec.kind === 'int' ? 'whole number' : 'number'}${range ? ` ${range}` : ''}; empty: ${fallback}`}
      error={error}
      name={field}
    >
      <input
        className="k-input k-input--sm p-field__number"
        inputMode={spec.kind === 'int' ? 'numeric' : 'decimal'}
        value={text}
        placeholder={fallback}
        onChange={(event) => setParam(name, event.target.value)}
        aria-label={name}
        aria-invalid={Boolean(error)}
        data-testid={`analysis-param-${name}`}
      />
    </Field>
  );
}
