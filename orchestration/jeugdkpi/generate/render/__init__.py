"""iJw 3.2 XML from string templates (fast, deterministic). Element order follows the XSDs exactly.

Every renderer returns ``(xml_text, n_records)`` where a record is what the ingest counts: a product line,
a Verzoek line, an Antwoord, a Prestatie, the 325 DeclaratieAntwoord plus each rejected Prestatie, and for
retour messages the header plus every class that carries RetourCodes — except the person-data classes
Relatie and Contact of a 302, which the ingest does not read (so they are not records).
"""

from jeugdkpi.generate.render.base import BERICHTCODE, RETOUR_OF
from jeugdkpi.generate.render.care import jw301, jw302, jw305, jw306_308, jw307
from jeugdkpi.generate.render.declarations import jw323, jw325, signed_total
from jeugdkpi.generate.render.requests import jw315, jw316, jw317, jw318, jw319, jw320

__all__ = ["BERICHTCODE", "RETOUR_OF", "jw301", "jw302", "jw305", "jw306_308", "jw307", "jw315", "jw316", "jw317",
           "jw318", "jw319", "jw320", "jw323", "jw325", "signed_total"]
