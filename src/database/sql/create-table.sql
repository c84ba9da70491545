-- {{qualified}}: owned by the pipeline, created when missing.
CREATE SCHEMA IF NOT EXISTS {{schema}};
CREATE TABLE IF NOT EXISTS {{qualified}} ({{columns}});
