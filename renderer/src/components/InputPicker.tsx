import type { ReactNode } from 'react';
import type { PickedInput } from '../../../preload/ipc-contract';
import { bench, errorText } from '../bench';

/** Choose folder… / Choose CSV… and what was chosen, with its image count; `children` follow on the row. */
export function InputPicker(props: {
  input: PickedInput | null;
  testId: string;
  onPicked: (picked: PickedInput) => void;
  onError: (message: string) => void;
  children?: ReactNode;
}) {
  const pick = async (kind: 'folder' | 'csv') => {
    try {
      const picked = await bench().dialogs.pickInput(kind);
      if (picked) props.onPicked(picked);
    } catch (e) {
      props.onError(errorText(e));
    }
  };
  const { input } = props;
  return (
    <div className="row">
      <button onClick={() => pick('folder')}>Choose folder…</button>
      <button onClick={() => pick('csv')}>Choose CSV…</button>
      <span className="picked" data-testid={props.testId}>
        {input ? `${input.path} — ${input.count} image${input.count === 1 ? '' : 's'}` : 'No input chosen'}
      </span>
      {props.children}
    </div>
  );
}
