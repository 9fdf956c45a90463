// Non-English explanatory sentences (German, French, Spanish) for the document sample.

export type Language = { code: string; site: string; sentences: string[] };

export const LANGUAGES: readonly Language[] = [
  {
    code: "de",
    site: "wissen.example.de",
    sentences: [
      "Der Himmel erscheint blau, weil die Luftmoleküle kurzwelliges Licht stärker streuen als langwelliges.",
      "Im Winter gefriert die Oberfläche eines Sees zuerst, während das Wasser darunter flüssig bleibt.",
      "Eis ist leichter als Wasser, deshalb schwimmt es an der Oberfläche.",
      "Stahlbrücken dehnen sich bei Hitze aus; daher brauchen sie Dehnungsfugen.",
      "Größere Städte sind nachts wärmer als das Umland, denn Asphalt und Beton speichern die Wärme des Tages.",
      "Wenn die Ernte schlecht ausfällt, steigen die Getreidepreise, und die Bauern säen im nächsten Jahr mehr.",
      "Zinseszinsen führen dazu, dass Ersparnisse jedes Jahr schneller wachsen.",
      "Römische Straßen bestanden aus mehreren Schichten, sodass Regenwasser gut abfließen konnte.",
      "Impfungen trainieren das Immunsystem, ohne dass man die eigentliche Krankheit durchmachen muss.",
    ],
  },
  {
    code: "fr",
    site: "savoir.example.fr",
    sentences: [
      "Le ciel paraît bleu parce que les molécules de l'air diffusent davantage la lumière de courte longueur d'onde.",
      "La glace flotte sur l'eau, car elle est moins dense que le liquide qui l'entoure.",
      "En été, les journées sont plus longues ; la Terre reçoit donc davantage d'énergie dans cet hémisphère.",
      "Les ponts métalliques se dilatent à la chaleur, c'est pourquoi on prévoit des joints de dilatation.",
      "Les bactéries résistantes survivent aux antibiotiques et deviennent peu à peu majoritaires.",
      "L'imprimerie a rendu les livres moins chers, ce qui a favorisé la diffusion de la lecture en Europe.",
      "Les intérêts composés font croître l'épargne de plus en plus vite au fil des années.",
      "Une sécheresse réduit la récolte de blé et fait grimper le prix du pain.",
      "Les pinsons des Galápagos ont développé des becs différents selon la nourriture disponible sur chaque île.",
    ],
  },
  {
    code: "es",
    site: "ciencia.example.es",
    sentences: [
      "El cielo se ve azul porque las moléculas del aire dispersan más la luz de longitud de onda corta.",
      "El hielo flota sobre el agua ya que es menos denso que el líquido.",
      "Las ciudades son más cálidas que el campo por la noche, pues el asfalto almacena el calor del día.",
      "Los puentes de acero se dilatan con el calor; por eso necesitan juntas de dilatación.",
      "Cuando la cosecha es mala, el precio del trigo sube y los agricultores siembran más al año siguiente.",
      "Las vacunas enseñan al sistema inmunitario a reconocer un patógeno sin sufrir la enfermedad.",
      "La imprenta abarató los libros y, en consecuencia, más personas aprendieron a leer.",
      "Los caminos romanos tenían varias capas de piedra, grava y arena, así que el agua se drenaba con facilidad.",
      "Las baterías pierden capacidad en invierno porque las reacciones químicas se vuelven más lentas.",
    ],
  },
];
