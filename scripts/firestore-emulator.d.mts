// Types of firestore-emulator.mjs for the TypeScript tests that start their own Firestore.
export function findRealFirestore():
  | { launcher: string; java: string; missing?: undefined }
  | { missing: string; launcher?: undefined; java?: undefined };
export function realFirestoreArgs(host: string, port: number, projectId: string): string[];
export function realFirestoreReady(host: string, port: number): Promise<boolean>;
