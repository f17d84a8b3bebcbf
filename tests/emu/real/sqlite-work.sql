-- A workload for the riscv64 sqlite3 shell of scripts/rv-progs.sh, run by
-- tests/system/t-emu-real.sh under strata emu and qemu-riscv64 (stdout
-- compared) on a database file in a fresh folder: WAL journal (mmap'd
-- shared memory, fcntl locks), a transaction, indexes, joins, json, a
-- recursive CTE, window functions, printf of doubles, and a sort big
-- enough to spill to worker threads (PRAGMA threads).
.bail on
.headers off
.mode list
PRAGMA journal_mode = WAL;
PRAGMA cache_size = -2000;

CREATE TABLE dept(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, budget REAL);
CREATE TABLE emp(id INTEGER PRIMARY KEY, dept INTEGER REFERENCES dept(id),
	name TEXT, salary REAL, hired TEXT, meta TEXT);

BEGIN;
INSERT INTO dept VALUES (1, 'eng', 1.5e6), (2, 'ops', 4.25e5), (3, 'sales', 7.75e5), (4, 'empty', 0);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
INSERT INTO emp(dept, name, salary, hired, meta)
SELECT i % 3 + 1, 'emp' || i, 30000 + (i * 7919 % 90000) + (i % 7) / 8.0,
	date('2000-01-01', '+' || (i * 13 % 9000) || ' days'),
	json_object('level', i % 5, 'tags', json_array('t' || (i % 4), i % 2 = 0))
FROM n;
COMMIT;

CREATE INDEX emp_dept_salary ON emp(dept, salary);
CREATE INDEX emp_hired ON emp(hired);

SELECT count(*), printf('%.4f', sum(salary)), printf('%.6e', avg(salary)), min(hired), max(hired) FROM emp;
SELECT d.name, count(e.id), printf('%.2f', coalesce(avg(e.salary), 0)), printf('%.3f', d.budget / 1e6)
	FROM dept d LEFT JOIN emp e ON e.dept = d.id GROUP BY d.id ORDER BY d.name;
SELECT name, salary FROM emp WHERE dept = 2 AND salary > 119990 ORDER BY salary DESC, id LIMIT 3;
SELECT json_extract(meta, '$.level') AS lv, count(*), sum(json_extract(meta, '$.tags[1]'))
	FROM emp GROUP BY lv ORDER BY lv;
SELECT json_group_array(name) FROM (SELECT name FROM emp WHERE id % 5000 = 0 ORDER BY id);
SELECT key, value FROM json_each('{"a":1,"b":[2,3],"c":{"d":4.5}}');
SELECT json_patch('{"a":1,"b":2}', '{"b":null,"c":3}'), json_valid('{x'), json('[1, 2 ,3]');

-- recursive CTEs: Fibonacci mod 1e9+7, and the Collatz length of 27
WITH RECURSIVE fib(i, a, b) AS (SELECT 1, 0, 1 UNION ALL
	SELECT i + 1, b, (a + b) % 1000000007 FROM fib WHERE i < 5000)
SELECT max(i), sum(a) % 1000000007 FROM fib;
WITH RECURSIVE c(n, steps) AS (SELECT 27, 0 UNION ALL
	SELECT CASE WHEN n % 2 THEN 3 * n + 1 ELSE n / 2 END, steps + 1 FROM c WHERE n > 1)
SELECT max(steps), max(n) FROM c;

-- windows
SELECT dept, name, salary, rnk FROM (SELECT dept, name, salary,
	rank() OVER (PARTITION BY dept ORDER BY salary DESC, id) AS rnk FROM emp) WHERE rnk <= 2 ORDER BY dept, rnk;
SELECT printf('%.3f', avg(s)) FROM (SELECT sum(salary) OVER (ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS s FROM emp WHERE id <= 1000);

-- doubles and text
SELECT printf('%.17g|%.3e|%10.4f|%-8s|%08.3f|%g|%g|%d|%x', 0.1 + 0.2, 6.02214076e23, -3.14159265,
	'left', 2.5, 1e-5, 123456789.0, 9223372036854775807, 48879);
SELECT 7 / 2, 7 / 2.0, -7 % 3, round(2.5), round(-2.5), round(1.2345, 3), 1e308 * 10, abs(-9223372036854775807);
SELECT sqrt(2), pow(2, 0.5), ln(10), exp(1), floor(-1.5), ceil(-1.5), pi(), degrees(pi());
SELECT upper('mixed Case'), length('héllo'), hex('AB'), substr('abcdef', -3, 2), replace('aaa', 'a', 'bb'),
	instr('hello', 'll'), trim('  x  '), quote('it''s'), unicode('€'), char(72, 105);
SELECT strftime('%Y-%m-%d %H:%M:%S %j %w', 1234567890, 'unixepoch'), julianday('2000-01-01'),
	date('2024-02-28', '+1 day'), datetime('2024-01-31', '+1 month');

-- updates, deletes, a trigger, a view, an upsert
CREATE TABLE audit(n INTEGER);
CREATE TRIGGER emp_del AFTER DELETE ON emp BEGIN INSERT INTO audit VALUES (old.id); END;
CREATE VIEW rich AS SELECT * FROM emp WHERE salary > 115000;
BEGIN;
UPDATE emp SET salary = salary * 1.05 WHERE dept = 1 AND hired < '2005-01-01';
DELETE FROM emp WHERE id % 97 = 0;
INSERT INTO dept VALUES (2, 'ops', 1) ON CONFLICT(id) DO UPDATE SET budget = budget + excluded.budget;
COMMIT;
SELECT count(*), (SELECT count(*) FROM rich), printf('%.4f', sum(salary)) FROM emp;
SELECT count(*), sum(n) FROM audit;
SELECT budget FROM dept WHERE id = 2;
SAVEPOINT sp; DELETE FROM emp; ROLLBACK TO sp; RELEASE sp;
SELECT count(*) FROM emp;

-- a sort bigger than the cache, with worker threads merging its runs
PRAGMA threads = 3;
CREATE TABLE big AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 150000)
	SELECT i, (i * 2654435761) % 4294967296 AS k, hex(zeroblob(8)) || i AS pad FROM n;
CREATE INDEX big_k ON big(k, pad);
SELECT count(*), min(k), max(k) FROM big;
SELECT k FROM big ORDER BY k LIMIT 3 OFFSET 100000;
SELECT sum(i) FROM (SELECT i FROM big ORDER BY pad DESC LIMIT 10);

PRAGMA integrity_check;
PRAGMA wal_checkpoint(TRUNCATE);
VACUUM;
PRAGMA page_count;
SELECT 'done';
