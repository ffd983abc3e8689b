// The images the docker provider asks the engine about: whether one is there, and
// removing one pctl built once no container runs it.
import { messageOf, pathPart, statusOf, type Api } from './api.js';

// The image's ID on this engine, or undefined when it is not there.
export async function imageId(api: Api, ref: string): Promise<string | undefined> {
  api.log(`GET /images/${pathPart(ref)}/json`);
  try {
    return (await api.docker.getImage(pathPart(ref)).inspect()).Id;
  } catch (e) {
    if (statusOf(e) === 404) return undefined;
    throw api.fail(e, `checking image ${ref}`);
  }
}

// Removes the image reference unless a container (of any stack: a shared build) still uses
// it. With `stack`, only when the live image carries pctl's labels of that stack (a state
// entry is no proof). By reference: a tag the user added to the same image stays. The
// engine itself refuses to remove an image a container uses, running or stopped (409), so
// asking first would be one more call per service, and racy besides.
export async function removeUnusedImage(api: Api, ref: string, stack?: string): Promise<void> {
  if (stack !== undefined && !(await carriesStackLabels(api, ref, stack))) return;
  api.log(`DELETE /images/${pathPart(ref)}`);
  try {
    await api.docker.getImage(pathPart(ref)).remove();
  } catch (e) {
    if (statusOf(e) === 404 || statusOf(e) === 409 || /No such image|image is being used/i.test(messageOf(e))) return;
    throw api.fail(e, `removing image ${ref}`);
  }
}

// True when the image `ref` names exists with the labels pctl builds into a stack's images.
async function carriesStackLabels(api: Api, ref: string, stack: string): Promise<boolean> {
  api.log(`GET /images/${pathPart(ref)}/json`);
  try {
    const labels = (await api.docker.getImage(pathPart(ref)).inspect()).Config?.Labels ?? {};
    return labels['managed-by'] === 'pctl' && labels['pctl-stack'] === stack;
  } catch (e) {
    if (statusOf(e) === 404) return false;
    throw api.fail(e, `checking image ${ref}`);
  }
}
