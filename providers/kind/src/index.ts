// Placeholder until the kind provider lands.
import { defineProvider, PctlError } from '@pctl/core';

const notYet = () => {
  throw new PctlError({ code: 'NotImplemented', message: 'the kind provider is not available in this build', fault: 'user' });
};

export default defineProvider({ apiVersion: 1, name: 'kind', deploy: async () => notYet(), destroy: async () => notYet() });
