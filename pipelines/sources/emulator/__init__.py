"""`usm serve-api`: the four vendors' REST APIs over a landing folder, with faults on request.

`store` reads the landing files into each record's current version; one module per vendor
answers that vendor's paths with its own auth, pagination and envelopes; `server` routes,
checks nothing else, and injects the faults of `faults`.
"""
