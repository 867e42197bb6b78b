// Azure's public-cloud region names (the programmatic `name`, as in `westeurope`), for telling a
// misspelt region from a real one in tandem.config.json.
//
// Source: the physical regions (`metadata.regionType: "Physical"`) of Azure Resource Manager's
// `GET /subscriptions/{id}/locations` (api-version 2023-07-01; what `az account list-locations`
// prints), as cached by Microsoft's Azure Verified Modules in
// github.com/Azure/terraform-azurerm-avm-utl-regions, modules/cached-data/locations.tf.json
// (refreshed weekly from a live subscription by its update-data workflow; the version read was
// updated 2026-03-12, commit 9064b20). Read on 2026-12-07.
//
// One subscription's answer: regions opened since, and restricted-access regions that are listed
// only to subscriptions allowed in, are missing. A name not here is therefore a warning, or an
// error only when it is one or two letters from a listed name; `newRegions` in the
// configuration accepts a name this list does not know (docs/configuration.md).

export const AZURE_REGIONS_SOURCE =
  "ARM GET /subscriptions/{id}/locations, as cached in Azure/terraform-azurerm-avm-utl-regions (updated 2026-03-12)";
export const AZURE_REGIONS_CHECKED = "2026-12-07";

export const AZURE_REGIONS: ReadonlySet<string> = new Set([
  "australiacentral",
  "australiacentral2",
  "australiaeast",
  "australiasoutheast",
  "austriaeast",
  "belgiumcentral",
  "brazilsouth",
  "brazilsoutheast",
  "canadacentral",
  "canadaeast",
  "centralindia",
  "centralus",
  "centraluseuap",
  "chilecentral",
  "denmarkeast",
  "eastasia",
  "eastus",
  "eastus2",
  "eastus2euap",
  "eastusstg",
  "francecentral",
  "francesouth",
  "germanynorth",
  "germanywestcentral",
  "indonesiacentral",
  "israelcentral",
  "italynorth",
  "japaneast",
  "japanwest",
  "jioindiacentral",
  "jioindiawest",
  "koreacentral",
  "koreasouth",
  "malaysiawest",
  "mexicocentral",
  "newzealandnorth",
  "northcentralus",
  "northeurope",
  "norwayeast",
  "norwaywest",
  "polandcentral",
  "qatarcentral",
  "southafricanorth",
  "southafricawest",
  "southcentralus",
  "southcentralusstg",
  "southeastasia",
  "southindia",
  "spaincentral",
  "swedencentral",
  "switzerlandnorth",
  "switzerlandwest",
  "uaecentral",
  "uaenorth",
  "uksouth",
  "ukwest",
  "westcentralus",
  "westeurope",
  "westindia",
  "westus",
  "westus2",
  "westus3",
]);
