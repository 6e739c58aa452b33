-- epiphany.default_storage_mode: row is the default and the only mode that
-- an engine can serve today; column and auto are refused with the reason.
SHOW epiphany.default_storage_mode;
SELECT name, setting, enumvals, context
  FROM pg_settings WHERE name = 'epiphany.default_storage_mode';

SET epiphany.default_storage_mode = 'row';
SHOW epiphany.default_storage_mode;

SET epiphany.default_storage_mode = 'column';
SET epiphany.default_storage_mode = 'auto';
SHOW epiphany.default_storage_mode;

-- An invalid value is refused with the list of valid ones.
SET epiphany.default_storage_mode = 'columnar';
ALTER DATABASE contrib_regression SET epiphany.default_storage_mode = 'bogus';
