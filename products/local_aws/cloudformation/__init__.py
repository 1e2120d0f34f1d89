"""CloudFormation in the local AWS: moto's, extended to create and delete the catalog's stacks as AWS would.

- ``stacks``: what CloudFormation does around each resource and moto does not: a type it cannot create fails the
  stack naming the type; each resource's handler calls are checked against the stack's role; a failed resource
  rolls the stack back (a failed update, to its previous template and parameters); resources are deleted in the reverse of their creation order; every step is a stack event.
- ``resource_types``: the resource types moto's CloudFormation lacks, each backed by moto's own service backend.
- ``template_limits``: a template given inline (TemplateBody) of at most 51,200 bytes, as CloudFormation allows.
- ``template_parsing``: a JSON template read as JSON (moto read every template as YAML, slowly).
- ``change_sets``: a change set's Modify changes, those new parameter values make included, with ``Replacement``
  (from the types' create-only properties).
- ``template_values``: a template's properties with parameter values and conditions' choices put in.
- ``update_reach``: an update reaches what refers to a replaced resource (a new model replaces the model, its
  endpoint configuration, and updates the endpoint), where moto updated only what changed in the template's text.
- ``moto_deletions``: deletion for moto's types that moto creates but never deletes with their stack.
- ``moto_names``: the physical names moto's SageMaker models ignore (``EndpointName`` and the like).
- ``moto_tags``: a KMS key's template tags, in the shape moto's KMS takes them.
- ``custom_resources`` and ``response_urls``: ``Custom::`` resources answered by their functions through
  CloudFormation's request and response protocol, the pre-signed HTTPS response URL included.

May import: moto, ``products.analysis``, ``products.local_aws.iam`` and this package. Never publishing, rendering
or the demo.
"""
