import { describeWithPostgres, dropSchemas, freshSchemaName, postgresUrl } from '@samverkan/eventstore/testing/postgres';
import { MasterKey } from '../master-key';
import { describeKeyVaultContract } from '../testing/key-vault-contract';
import { PostgresKeyVault } from './postgres-key-vault';

describeWithPostgres('the PostgreSQL key vault', () => {
  const schema = freshSchemaName();
  const master = MasterKey.generate();
  describeKeyVaultContract(
    'the PostgreSQL key vault',
    () => PostgresKeyVault.open({ connectionString: postgresUrl, schema }, master),
    () => dropSchemas([schema]),
  );
});
