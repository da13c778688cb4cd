// The model routes the page uses besides the trace: list, upload and delete (docs/api.md,
// Imported models). Failures are ApiErrors carrying the server's sentence.

import { ApiError } from "../api.js";

/** POST /api/models: the form's file, name, classes and preparation -> the new ModelSummary. */
export function uploadModel(api, { file, name, classes, preparation }, signal) {
  const form = new FormData();
  form.append("file", file, file.name);
  if (name) form.append("name", name);
  if (classes) form.append("classes", classes);
  if (preparation) form.append("preparation", preparation);
  return api.request("/models", { method: "POST", form, signal });
}

/** DELETE /api/models/{id}: 204 and no body when it went. */
export async function deleteModel(api, id) {
  let response;
  try {
    response = await fetch(`${api.root}/models/${encodeURIComponent(id)}`, { method: "DELETE", headers: { Accept: "application/json" } });
  } catch {
    throw new ApiError("The server did not answer. Check that it is still running, then try again.");
  }
  if (response.ok) return;
  let detail = "";
  try {
    detail = (await response.json())?.detail;
  } catch {
    detail = "";
  }
  throw new ApiError(typeof detail === "string" && detail ? detail : `The server could not remove it (error ${response.status}).`, response.status);
}
