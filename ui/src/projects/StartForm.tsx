// The one-line form under a table of computed results that starts another: pick a kind
// (an algorithm, an analysis), press the button; a refusal shows below.
import { useState } from 'react';
import { useMayWrite } from '../api/session';
import { Button, ErrorBox, Select, type SelectOption } from '../kit';

export interface StartFormProps {
  /** Before the choice, e.g. "New map". */
  label: string;
  choices: SelectOption[];
  /** The choice's accessible name, e.g. "Algorithm". */
  choiceLabel: string;
  /** The button's text, e.g. "Compute". */
  action: string;
  busy: boolean;
  onStart: (choice: string) => void;
  /** Why the last start was refused, under `errorTitle`. */
  error: string | null;
  errorTitle: string;
  choiceTestId?: string;
  actionTestId?: string;
}

/** Nothing for a viewer: starting a job is an editor's (the project page says so once). */
export function StartForm(props: StartFormProps) {
  const [choice, setChoice] = useState(props.choices[0]?.value ?? '');
  if (!useMayWrite()) return null;
  return (
    <>
      <form
        className="p-inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          props.onStart(choice);
        }}
      >
        <span className="faint">{props.label}</span>
        <Select
          size="sm"
          value={choice}
          onChange={setChoice}
          options={props.choices}
          label={props.choiceLabel}
          data-testid={props.choiceTestId}
        />
        <Button size="sm" type="submit" busy={props.busy} data-testid={props.actionTestId}>
          {props.action}
        </Button>
      </form>
      {props.error && <ErrorBox title={props.errorTitle} message={props.error} />}
    </>
  );
}
