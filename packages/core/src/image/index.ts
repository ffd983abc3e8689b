// Image pipeline: context, .dockerignore, hashing, builds.
export {};
