import { METADATA_FILE, writeMetadata } from './openapi-metadata.generate';

// npm run openapi-metadata: what the OpenAPI document says of the DTOs, written anew after one changed.
writeMetadata();
console.log(`wrote ${METADATA_FILE}`);
