import { ApiError } from "../api/client";
import { ErrorNote } from "./ErrorNote";

/** An API refusal in words, with a 403 said as what the screen's role allows (ErrorNote's
 * own 403 wording is about admission to the consultation, not about roles). */
export function Refusal({ error, forbidden }: { error: unknown; forbidden: string }) {
  if (error instanceof ApiError && error.status === 403) {
    return <div class="error" role="alert"><p>{forbidden}</p></div>;
  }
  return <ErrorNote error={error} />;
}
