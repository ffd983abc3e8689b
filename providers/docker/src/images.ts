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

// Removes the image unless a container (of any stack: a shared build) still uses it.
export async function removeUnusedImage(api: Api, ref: string): Promise<void> {
  const filters = JSON.stringify({ ancestor: [ref] });
  const users = await api.call(`GET /containers/json?all=1&filters=${filters}`, 'listing containers', (d) => d.listContainers({ all: true, filters }));
  if (users.length) return;
  api.log(`DELETE /images/${pathPart(ref)}`);
  try {
    await api.docker.getImage(pathPart(ref)).remove();
  } catch (e) {
    if (statusOf(e) === 404 || statusOf(e) === 409 || /No such image|image is being used/i.test(messageOf(e))) return;
    throw api.fail(e, `removing image ${ref}`);
  }
}
