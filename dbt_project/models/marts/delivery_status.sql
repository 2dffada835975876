-- marts.delivery_status: per provider, half-year and expected delivery whether it was received, rejected,
-- is still expected (deadline not passed) or missing - the list a contract manager mails out before the
-- deadline (1 April / 1 October). Rejected = only rejected files so far (see audit.quarantine for the cells).
select * from {{ ref('int_delivery_expectations') }}
