-- Every calendar year and half-year (G5) from 2015 (Jeugdwet) through the peildatum's year that has started
-- by peildatum. For the KPIs of inputs other than the messages, which may arrive without any message.
{{ reporting_periods(2015) }}
