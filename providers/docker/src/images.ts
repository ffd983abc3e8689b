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

// Removes the image unless a container (of any stack: a shared build) still uses it. The
// engine itself refuses to remove an image a container uses, running or stopped (409), so
// asking first would be one more call per service, and racy besides.
export async function removeUnusedImage(api: Api, ref: string): Promise<void> {
  api.log(`DELETE /images/${pathPart(ref)}`);
  try {
    await api.docker.getImage(pathPart(ref)).remove();
  } catch (e) {
    if (statusOf(e) === 404 || statusOf(e) === 409 || /No such image|image is being used/i.test(messageOf(e))) return;
    throw api.fail(e, `removing image ${ref}`);
  }
}
