import { useEffect, useRef } from "preact/hooks";

/** A confirmation step inline (no modal to trap focus in): the question, then confirm and
 * cancel. Focus lands on the confirm button, which the question describes, so a screen
 * reader reads both; Escape cancels. The caller puts focus back where the step began. */
export function Confirm({ id, question, confirm, cancel, busy, onConfirm, onCancel }: {
  id: string; question: string; confirm: string; cancel: string; busy?: boolean;
  onConfirm: () => void; onCancel: () => void;
}) {
  const button = useRef<HTMLButtonElement>(null);
  useEffect(() => { button.current?.focus(); }, []);
  return (
    <div class="confirm" role="group" aria-labelledby={`${id}-question`}
      onKeyDown={(e) => { if (e.key === "Escape") onCancel(); }}>
      <p id={`${id}-question`}>{question}</p>
      <div class="actions">
        <button ref={button} type="button" class="primary" disabled={busy}
          aria-describedby={`${id}-question`} onClick={onConfirm}>{confirm}</button>
        <button type="button" onClick={onCancel}>{cancel}</button>
      </div>
    </div>
  );
}
