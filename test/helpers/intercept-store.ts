import type { ObjectInfo, ObjectStore } from '../../shared/publishing/ports';

/**
 * A store whose every call goes through `step(label, call)`: a test decides there when the
 * call runs, whether it fails, or what happens around it. A LIST is one step (its listing is
 * taken whole), as one request for a small prefix is.
 */
export function interceptStore(
  store: ObjectStore,
  step: <T>(label: string, call: () => Promise<T>) => Promise<T>,
): ObjectStore {
  return {
    get: (key, options) => step(`GET ${key}`, () => store.get(key, options)),
    head: (key) => step(`HEAD ${key}`, () => store.head(key)),
    put: (key, body, options) => step(`PUT ${key}`, () => store.put(key, body, options)),
    delete: (key) => step(`DELETE ${key}`, () => store.delete(key)),
    async *list(prefix) {
      const objects = await step(`LIST ${prefix}`, async () => {
        const all: ObjectInfo[] = [];
        for await (const object of store.list(prefix)) all.push(object);
        return all;
      });
      yield* objects;
    },
  };
}
