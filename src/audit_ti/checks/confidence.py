"""Confidence levels (0–100), after OpenVAS' quality of detection: the evidence decides."""

#: A script reported the weakness itself (anonymous FTP login accepted, community answered).
CONFIRMED = 99
#: nmap talked to the service and recognised it.
PROBED = 95
#: A short list of factory credentials was tried on the service and every one was refused.
TRIED = 85
#: The port was scanned and is not open.
ABSENT = 90
#: Read from a banner or a version string.
BANNER = 80
#: Only the port number suggests the service.
PORT_ONLY = 70
#: A person answered, with a reference to a document.
DECLARED_WITH_EVIDENCE = 70
#: A person answered, without evidence.
DECLARED = 50
#: Nothing could be observed.
NONE = 0
