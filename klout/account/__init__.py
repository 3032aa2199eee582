"""The member's account across every app, on purpose above the apps: deleting it, exporting
it, and the pages and API calls for both. Each app forgets and exports its own part; this
package only composes them."""
